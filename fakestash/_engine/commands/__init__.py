"""The command families: one module per family, each defining ``FAMILY`` (its declarations
and handlers, ``fakestash/_engine/family.py``). ``Registry.default()`` discovers them; nothing
here lists them by hand."""
