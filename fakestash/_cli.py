"""The ``fakestash`` command: one subcommand per module, each registering itself.

A subcommand is a module with ``register(subparsers)``, which adds its parser and sets
``run`` (``parser.set_defaults(run=...)``): a function of the parsed arguments returning the
exit status. Adding one is a line in ``SUBCOMMANDS``. Registering imports only argparse
code: a subcommand imports what it runs with when it runs.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from typing import Sequence

#: The modules that make the subcommands, in ``fakestash --help`` order.
SUBCOMMANDS = ("fakestash._serve", "fakestash._conformance.cli")


def build_parser() -> argparse.ArgumentParser:
    from fakestash import __version__

    parser = argparse.ArgumentParser(
        prog="fakestash",
        description="A deterministic in-memory Upstash Redis: tools around the fake.",
    )
    parser.add_argument("--version", action="version", version=f"fakestash {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in SUBCOMMANDS:
        import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``fakestash ARGS`` (``sys.argv[1:]`` by default); returns the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
