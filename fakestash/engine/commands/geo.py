"""Geo commands (placeholder until this family lands)."""
