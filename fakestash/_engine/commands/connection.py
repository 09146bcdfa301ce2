"""Connection commands: PING, ECHO and SELECT over REST; the rest Upstash serves over TCP only.

Upstash's REST API serves PING and ECHO (and SELECT 0) and refuses the commands that hold
connection state ("not allowed in REST or it has a special context path", wire spec §7).
"""

from __future__ import annotations

from fakestash._engine.args import parse_int
from fakestash._engine.database import Database
from fakestash._engine.family import Family
from fakestash._engine.replies import OK, PONG, Reply
from fakestash._errors import CommandError

FAMILY = Family("connection", group="connection", category="connection")

FAMILY.declare("auth", -2, "noscript loading stale fast no_auth allow_busy", rest="tcp")
FAMILY.declare("hello", -1, "noscript loading stale fast no_auth allow_busy", rest="tcp")
FAMILY.declare("quit", -1, "noscript loading stale fast no_auth allow_busy", rest="tcp")
FAMILY.declare("reset", 1, "noscript loading stale fast no_auth allow_busy", rest="tcp")
# A container of subcommands in Redis (CLIENT LIST…): none is served over REST.
FAMILY.declare("client", -2, categories="", rest="tcp")


@FAMILY.command(
    "ping", -1, "fast",
    tips="request_policy:all_shards response_policy:all_succeeded",
    readonly_token=True,
)
def ping(db: Database, args: list[bytes]) -> Reply:
    """Answer PONG, or echo the message."""
    if len(args) > 1:
        raise CommandError("ERR wrong number of arguments for 'ping' command")
    return args[0] if args else PONG


@FAMILY.command("echo", 2, "loading stale fast", readonly_token=True)
def echo(db: Database, args: list[bytes]) -> Reply:
    """Return the message."""
    return args[0]


@FAMILY.command("select", 2, "loading stale fast", readonly_token=True, note="index 0 only")
def select(db: Database, args: list[bytes]) -> Reply:
    """Upstash has one logical database: only index 0 is valid."""
    index = parse_int(args[0])
    if index != 0:
        raise CommandError("ERR DB index is out of range")
    return OK
