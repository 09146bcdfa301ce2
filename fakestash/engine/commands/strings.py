"""Strings commands (placeholder until this family lands)."""
