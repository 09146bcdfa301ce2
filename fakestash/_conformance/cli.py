"""``fakestash conformance``: the command line of a conformance run.

``register(subparsers)`` adds the subcommand to ``fakestash``'s parser; ``run(args)`` runs
it and returns the exit status: 0 when nothing unexplained differs, 1 when something does,
2 when the run could not start or was stopped (unreachable endpoint, a prefix that holds
keys, more commands than ``--max-commands``...). Nothing heavy is imported until ``run``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

URL_ENV = "UPSTASH_REDIS_REST_URL"
TOKEN_ENV = "UPSTASH_REDIS_REST_TOKEN"
DEFAULT_SEQUENCES = 10
DEFAULT_STEPS = 30
DEFAULT_MAX_COMMANDS = 10_000

DESCRIPTION = """\
Check fakestash against your own endpoint: wire checks, the spec's open questions and
seeded random command sequences per family, sent to the endpoint and to an in-process fake
side by side, compared reply by reply. Every key is under a random prefix and removed
afterwards (never FLUSHALL); the number of commands is printed before any is sent.

Endpoints: https://… (an Upstash database, `fakestash serve`, a REST proxy over Redis;
token from --token or $UPSTASH_REDIS_REST_TOKEN), or redis://host:port (a Redis server,
reached through fakestash's own REST face).

Exit status: 0 when nothing unexplained differs, 1 when something does, 2 when the run
could not start or was stopped.
"""


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``conformance`` to a parser's subcommands (``parser.add_subparsers()``)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "conformance",
        help="check the fake against your own endpoint (Upstash, serve, Redis)",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(run=run)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", nargs="?", help=f"the endpoint (default: ${URL_ENV})")
    parser.add_argument("--token", help=f"its token (default: ${TOKEN_ENV})")
    parser.add_argument(
        "--against",
        choices=("upstash", "redis"),
        help="what the endpoint behaves like (default: redis for redis:// URLs, else "
        "upstash; a REST proxy over Redis is 'redis')",
    )
    size = parser.add_argument_group("what to run")
    size.add_argument("--seed", type=int, default=0, help="seed of the sequences (default 0)")
    size.add_argument("--sequences", type=int, default=DEFAULT_SEQUENCES,
                      help=f"sequences per family (default {DEFAULT_SEQUENCES})")  # fmt: skip
    size.add_argument("--steps", type=int, default=DEFAULT_STEPS,
                      help=f"rules per sequence (default {DEFAULT_STEPS})")  # fmt: skip
    size.add_argument("--families", help="comma-separated families (default: all)")
    size.add_argument("--family", action="append", default=[], help="one family (repeatable)")
    size.add_argument("--sequence", type=int, help="run only this sequence of each family")
    size.add_argument("--checks", help="comma-separated wire checks (default: all)")
    size.add_argument("--list", action="store_true", help="list the families and checks")
    safety = parser.add_argument_group("safety")
    safety.add_argument("--max-commands", type=int, default=DEFAULT_MAX_COMMANDS,
                        help="refuse a run that would send more commands (default "
                        f"{DEFAULT_MAX_COMMANDS})")  # fmt: skip
    safety.add_argument("--exclusive", action="store_true",
                        help="the database is the run's alone (and empty): also send DBSIZE, "
                        "RANDOMKEY, SCAN, SCRIPT FLUSH, FUNCTION FLUSH…")  # fmt: skip
    safety.add_argument("--read-only", action="store_true",
                        help="write nothing (automatic with a read-only token)")  # fmt: skip
    out = parser.add_argument_group("report")
    out.add_argument("--report", action="append", default=[], metavar="FILE",
                     help="also write the report to FILE: .json or .md (repeatable)")  # fmt: skip
    out.add_argument("--quiet", action="store_true", help="print only the report")


def run(args: argparse.Namespace) -> int:
    """Run ``fakestash conformance`` with parsed arguments; the exit status."""
    if args.list:
        return _list()
    url = args.url or os.environ.get(URL_ENV)
    if not url:
        return _fail(f"no endpoint: give a URL or set ${URL_ENV}")
    formats = [_format_of(path) for path in args.report]
    if None in formats:
        return _fail("--report FILE must end in .json or .md")
    import httpx

    from fakestash._conformance.runner import RunError, Runner, open_target

    try:
        options = _options(args)
        target = open_target(url, args.token or os.environ.get(TOKEN_ENV), against=args.against)
    except (RunError, ValueError) as exc:
        return _fail(str(exc))
    say = (lambda text: None) if args.quiet else _say
    try:
        report = Runner(target, options, say=say, repro_flags=_repro_flags(args)).run()
    except RunError as exc:
        return _fail(str(exc))
    except (OSError, httpx.HTTPError) as exc:  # unreachable, or gone mid-run
        return _fail(f"{target.display}: {type(exc).__name__}: {exc}")
    finally:
        target.close()
    sys.stdout.write(report.to_text())
    for path, kind in zip(args.report, formats):
        with open(path, "w", encoding="utf-8") as file:
            file.write(report.to_json() if kind == "json" else report.to_markdown())
    return report.exit_status


def _options(args: argparse.Namespace) -> Any:
    from fakestash._conformance.runner import Options

    families = [*_words(args.families), *args.family]
    checks = _words(args.checks)
    return Options(
        seed=args.seed,
        sequences=args.sequences,
        steps=args.steps,
        families=tuple(families) if families or checks else None,
        checks=tuple(checks) if checks or families else None,
        sequence=args.sequence,
        max_commands=args.max_commands,
        exclusive=args.exclusive,
        read_only=args.read_only,
    )


def _words(text: str | None) -> list[str]:
    return [word.strip() for word in (text or "").split(",") if word.strip()]


def _repro_flags(args: argparse.Namespace) -> list[str]:
    """What a reproduction line must repeat besides the seed and the sequence."""
    flags = [f"--against {args.against}"] if args.against else []
    if args.steps != DEFAULT_STEPS:
        flags.append(f"--steps {args.steps}")
    flags += [flag for flag, on in (("--exclusive", args.exclusive),
                                    ("--read-only", args.read_only)) if on]  # fmt: skip
    return flags


def _format_of(path: str) -> str | None:
    lower = path.lower()
    if lower.endswith(".json"):
        return "json"
    if lower.endswith((".md", ".markdown")):
        return "md"
    return None


def _list() -> int:
    from fakestash._conformance.checks import CHECKS
    from fakestash._conformance.families import FAMILIES

    print("Families:")
    for family in FAMILIES.values():
        print(f"  {family.name:<12} {family.summary}")
    print("Wire checks and open questions:")
    for check in CHECKS:
        tag = f" [{check.question}]" if check.question else ""
        print(f"  {check.id}{tag}: {check.title}")
    return 0


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _fail(text: str) -> int:
    print(f"fakestash conformance: {text}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    """``python -m fakestash._conformance.cli …`` (the same as ``fakestash conformance``)."""
    parser = argparse.ArgumentParser(
        prog="fakestash conformance",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))
