"""Assessments of AI systems: drafts, answers, submit, results, review, standing, exports."""
