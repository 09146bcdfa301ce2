"""``python -m fakestash ...``: the ``fakestash`` command (``fakestash/cli.py``)."""

from __future__ import annotations

import sys

from fakestash.cli import main

sys.exit(main())
