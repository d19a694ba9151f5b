"""The audit log: every state change, append-only, each entry chained to the one before by hash."""
