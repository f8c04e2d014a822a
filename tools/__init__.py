"""Tools for the book's maintainers (refreshing outputs, timing chapters); not tests, not part of `utils`."""
