"""Organisations and their API keys: who is calling, on whose behalf, with which scopes."""
