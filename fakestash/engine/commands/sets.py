"""Sets commands (placeholder until this family lands)."""
