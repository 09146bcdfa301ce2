"""Functions commands (placeholder until this family lands)."""
