"""Server commands (placeholder until this family lands)."""
