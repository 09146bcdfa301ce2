"""The ``fakestash`` command: its subcommands (``fakestash conformance …``).

Each subcommand module exposes ``register(subparsers)``, which adds its parser and sets
``run`` (a function of the parsed arguments returning the exit status). Subcommand modules
import nothing heavy until they run.
"""

from __future__ import annotations

import argparse

from fakestash.conformance import cli as conformance_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fakestash", description="A deterministic in-memory Upstash Redis."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    conformance_cli.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 2
    status: int = args.run(args)
    return status
