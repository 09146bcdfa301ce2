"""Bitmaps commands (placeholder until this family lands)."""
