"""Counters that every process of a deployment shares: the rate limits of sign-in and the portal.

Kept in the database by default (one row per counter, changed by one atomic upsert), or in Redis
through the `limits` library when `APP_RATE_LIMIT_REDIS_URL` is set.
"""
