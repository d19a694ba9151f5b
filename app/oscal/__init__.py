"""OSCAL exports: the control catalog as an OSCAL catalog, an AI system's approved results as
OSCAL assessment results, built with compliance-trestle's models (the optional `oscal` extra,
imported only when an export runs)."""
