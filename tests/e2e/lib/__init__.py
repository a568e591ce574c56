"""Helpers for regcache's end-to-end tests: one concept per module."""
