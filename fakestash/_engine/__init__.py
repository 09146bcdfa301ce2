"""The engine: an in-memory Redis that knows nothing of HTTP."""
