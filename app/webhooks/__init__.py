"""Webhooks: subscriptions per organisation, events signed per Standard Webhooks, the outbox."""
