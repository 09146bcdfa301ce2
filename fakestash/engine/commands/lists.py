"""Lists commands (placeholder until this family lands)."""
