"""The outbox: messages written in the request's transaction and delivered after commit."""
