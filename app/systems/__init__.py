"""The inventory of AI systems: the subjects of every assessment."""
