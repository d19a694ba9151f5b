"""The portfolio tests' clients (an assessor and a reviewer), to approve assessments."""

from tests.portfolio.conftest import reviewer, writer

__all__ = ["reviewer", "writer"]
