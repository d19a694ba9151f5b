"""Procurement: suppliers, vendor requests, invitation tokens and the supplier portal."""
