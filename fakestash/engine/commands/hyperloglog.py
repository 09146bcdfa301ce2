"""Hyperloglog commands (placeholder until this family lands)."""
