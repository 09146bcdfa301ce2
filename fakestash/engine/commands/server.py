"""Server commands: DBSIZE FLUSHDB FLUSHALL TIME INFO COMMAND CONFIG, and MONITOR's
declaration (served on its own SSE path)."""

from __future__ import annotations

from fakestash.clock import time_us
from fakestash.engine import notify
from fakestash.engine.database import Database
from fakestash.engine.family import Family
from fakestash.engine.glob import compile_glob
from fakestash.engine.replies import OK, Reply
from fakestash.errors import SYNTAX, CommandError

FAMILY = Family("server", group="server")

REDIS_VERSION = "8.2.0"  # what Upstash reports (spec §7)

# MONITOR is served on its own SSE path (fakestash/rest/sse.py): as a command it is refused.
FAMILY.declare("monitor", 1, "admin noscript loading stale", rest="path", note="SSE: /monitor")


@FAMILY.command(
    "dbsize", 1, "readonly fast",
    categories="keyspace",
    tips="request_policy:all_shards response_policy:agg_sum",
)
def dbsize(db: Database, args: list[bytes]) -> Reply:
    """Number of live keys."""
    return db.size()


def _flush(db: Database, args: list[bytes]) -> Reply:
    if len(args) > 1 or (args and args[0].upper() not in (b"ASYNC", b"SYNC")):
        raise CommandError(SYNTAX)
    db.flush()
    return OK


@FAMILY.command(
    "flushdb", -1, "write",
    categories="keyspace dangerous",
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def flushdb(db: Database, args: list[bytes]) -> Reply:
    """Delete every key (ASYNC and SYNC accepted)."""
    return _flush(db, args)


@FAMILY.command(
    "flushall", -1, "write",
    categories="keyspace dangerous",
    tips="request_policy:all_shards response_policy:all_succeeded",
)
def flushall(db: Database, args: list[bytes]) -> Reply:
    """Same as FLUSHDB: an Upstash database has one logical db."""
    return _flush(db, args)


@FAMILY.command(
    "time", 1, "loading stale fast",
    tips="nondeterministic_output",
    readonly_token=True,
)
def time_(db: Database, args: list[bytes]) -> Reply:
    """[seconds, microseconds] from the fake's clock."""
    now = time_us(db.clock)
    return [b"%d" % (now // 1_000_000), b"%d" % (now % 1_000_000)]


@FAMILY.command(
    "command", -1, "loading stale",
    categories="connection",
    tips="nondeterministic_output_order",
    readonly_token=True,
)
def command_(db: Database, args: list[bytes]) -> Reply:
    """Upstash answers COMMAND with an empty array."""
    return []


@FAMILY.command(
    "info", -1, "loading stale",
    categories="dangerous",
    tips="nondeterministic_output request_policy:all_shards response_policy:special",
    readonly_token=True,
)
def info(db: Database, args: list[bytes]) -> Reply:
    """Server information as CRLF text; sections by name, ``default``/``all``/``everything``."""
    wanted = {a.lower().decode("utf-8", "replace") for a in args} or {"default"}
    everything = bool(wanted & {"default", "all", "everything"})
    sections = [text for name, text in _info_sections(db) if everything or name in wanted]
    return "\r\n".join(sections).encode() + (b"\r\n" if sections else b"")


def _info_sections(db: Database) -> list[tuple[str, str]]:
    size = db.size()
    expires = sum(1 for key in db.expires if key in db.data)
    server = "\r\n".join(
        [
            "# Server",
            f"redis_version:{REDIS_VERSION}",
            "redis_mode:standalone",
            "os:fakestash",
            "arch_bits:64",
            "tcp_port:6379",
            f"uptime_in_seconds:{0}",
        ]
    )
    keyspace = "# Keyspace" + (
        f"\r\ndb0:keys={size},expires={expires},avg_ttl=0,subexpiry=0" if size else ""
    )
    return [
        ("server", server + "\r\n"),
        ("clients", "# Clients\r\nconnected_clients:1\r\n"),
        ("memory", "# Memory\r\nmaxmemory_policy:noeviction\r\n"),
        ("persistence", "# Persistence\r\nloading:0\r\n"),
        ("stats", "# Stats\r\ntotal_commands_processed:0\r\n"),
        ("replication", "# Replication\r\nrole:master\r\n"),
        ("keyspace", keyspace + "\r\n"),
    ]


# ---- CONFIG GET / SET ----------------------------------------------------------------------
# Upstash serves CONFIG GET/SET for one parameter, notify-keyspace-events (Upstash docs
# redis/commands/server/config-get.mdx, config-set.mdx): GET of any other name matches
# nothing, SET of any other name is an error (Redis' "unknown option" text: Upstash's is
# not published). Setting it turns keyspace notifications on (``notify.py``).

NOTIFY_EVENTS = b"notify-keyspace-events"

FAMILY.container("config")


@FAMILY.command("config|get", -3, "admin noscript loading stale")
def config_get(db: Database, args: list[bytes]) -> Reply:
    """Parameters matching the glob patterns, with their values (notify-keyspace-events
    only): a flat name, value list."""
    for pattern in args:
        if pattern.lower() == NOTIFY_EVENTS:  # a plain name answers as typed, as Redis 7
            return [pattern, _notify_value(db)]
        if compile_glob(pattern.lower()).fullmatch(NOTIFY_EVENTS) is not None:
            return [NOTIFY_EVENTS, _notify_value(db)]
    return []


def _notify_value(db: Database) -> bytes:
    return notify.flags_to_string(db.notify_flags).encode()


@FAMILY.command(
    "config|set", -4, "admin noscript loading stale",
    tips="request_policy:all_nodes response_policy:all_succeeded",
)
def config_set(db: Database, args: list[bytes]) -> Reply:
    """Set notify-keyspace-events (the only parameter Upstash lets a database change)."""
    if len(args) % 2:
        raise CommandError(SYNTAX)
    flags: int | None = None
    for i in range(0, len(args), 2):
        name = args[i]
        if name.lower() != NOTIFY_EVENTS:
            text = name.decode("utf-8", "replace")
            raise CommandError(
                f"ERR Unknown option or number of arguments for CONFIG SET - '{text}'"
            )
        if flags is not None:
            raise CommandError(
                "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events')"
                " - duplicate parameter"
            )
        flags = notify.parse_flags(args[i + 1].decode("utf-8", "replace"))
        if flags is None:
            raise CommandError(notify.INVALID_CLASS)
    assert flags is not None
    db.notify_flags = flags
    return OK
