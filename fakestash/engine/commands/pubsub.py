"""Pubsub commands (placeholder until this family lands)."""
