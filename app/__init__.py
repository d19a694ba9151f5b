"""AI risk and impact assessment service: the core of an ISO/IEC 42001 AI management system."""

__version__ = "0.1.0"
