"""The managed AI portfolio: assessment plans, the work queue, one standing per AI system,
control implementation records, the Statement of Applicability and the dossier."""
