"""Json commands (placeholder until this family lands)."""
