"""Scripting commands (placeholder until this family lands)."""
