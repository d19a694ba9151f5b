"""Benchmarks of the engine, the HTTP path and lists (`make bench`); see the README."""
