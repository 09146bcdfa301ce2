"""Engine backends other than the in-memory ``Database`` (a real Redis server, for tests)."""
