"""The REST face: Upstash's HTTP API over the engine."""
