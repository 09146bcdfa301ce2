"""Hashes commands (placeholder until this family lands)."""
