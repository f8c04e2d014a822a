"""Maintainers' tools (refreshing outputs, timing chapters); not tests, not part of `utils`."""
