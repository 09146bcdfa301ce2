"""pytest plugin for fakestash: fixtures, a marker and ini options (see plugin.py)."""
