"""Zsets commands (placeholder until this family lands)."""
