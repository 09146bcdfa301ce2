"""Streams commands (placeholder until this family lands)."""
