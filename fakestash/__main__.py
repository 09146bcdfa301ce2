"""``python -m fakestash ...``: the ``fakestash`` command (``fakestash/_cli.py``)."""

from __future__ import annotations

import sys

from fakestash._cli import main

sys.exit(main())
