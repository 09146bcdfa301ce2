"""``python -m fakestash …``: the ``fakestash`` command."""

from __future__ import annotations

import sys

from fakestash.cli import main

if __name__ == "__main__":
    sys.exit(main())
