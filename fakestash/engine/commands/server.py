"""Server and connection commands: PING ECHO DBSIZE FLUSHDB FLUSHALL TIME SELECT INFO COMMAND
CONFIG.

Also the commands Upstash refuses over REST ("not allowed in REST or it has a special
context path"): connection state, transactions by hand, and subscriptions (which have their
own SSE paths).
"""

from __future__ import annotations

from fakestash.clock import time_us
from fakestash.engine import notify
from fakestash.engine.args import parse_int
from fakestash.engine.database import Database
from fakestash.engine.glob import compile_glob
from fakestash.engine.replies import OK, PONG, Reply
from fakestash.engine.table import ADMIN, FAST, READONLY, WRITE, command, container, restricted
from fakestash.engine.version import REDIS_VERSION
from fakestash.errors import SYNTAX, CommandError

restricted(
    "auth", "hello", "reset", "quit", "client", "multi", "exec", "discard", "watch",
    "unwatch", "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe",
    "sunsubscribe", "monitor",
)  # fmt: skip


@command("ping", -1, [FAST], group="connection")
def ping(db: Database, args: list[bytes]) -> Reply:
    """Answer PONG, or echo the message."""
    if len(args) > 1:
        raise CommandError("ERR wrong number of arguments for 'ping' command")
    return args[0] if args else PONG


@command("echo", 2, [FAST], group="connection")
def echo(db: Database, args: list[bytes]) -> Reply:
    """Return the message."""
    return args[0]


@command("select", 2, [FAST], group="connection")
def select(db: Database, args: list[bytes]) -> Reply:
    """Upstash has one logical database: only index 0 is valid."""
    index = parse_int(args[0])
    if index != 0:
        raise CommandError("ERR DB index is out of range")
    return OK


@command("dbsize", 1, [READONLY, FAST])
def dbsize(db: Database, args: list[bytes]) -> Reply:
    """Number of live keys."""
    return db.size()


def _flush(db: Database, args: list[bytes]) -> Reply:
    if len(args) > 1 or (args and args[0].upper() not in (b"ASYNC", b"SYNC")):
        raise CommandError(SYNTAX)
    db.flush()
    return OK


@command("flushdb", -1, [WRITE])
def flushdb(db: Database, args: list[bytes]) -> Reply:
    """Delete every key (ASYNC and SYNC accepted)."""
    return _flush(db, args)


@command("flushall", -1, [WRITE])
def flushall(db: Database, args: list[bytes]) -> Reply:
    """Same as FLUSHDB: an Upstash database has one logical db."""
    return _flush(db, args)


@command("time", 1, [FAST])
def time_(db: Database, args: list[bytes]) -> Reply:
    """[seconds, microseconds] from the fake's clock."""
    now = time_us(db.clock)
    return [b"%d" % (now // 1_000_000), b"%d" % (now % 1_000_000)]


@command("command", -1, [])
def command_(db: Database, args: list[bytes]) -> Reply:
    """Upstash answers COMMAND with an empty array."""
    return []


@command("info", -1, [])
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

container("config", group="server")


@command("config|get", -3, [ADMIN])
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


@command("config|set", -4, [ADMIN])
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
