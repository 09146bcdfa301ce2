"""Keys commands (placeholder until this family lands)."""
