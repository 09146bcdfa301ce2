"""Server commands: DBSIZE FLUSHDB FLUSHALL TIME INFO COMMAND (INFO, COUNT, LIST, GETKEYS
from the declarations) CONFIG, and MONITOR's declaration (served on its own SSE path)."""

from __future__ import annotations

from typing import Any

from fakestash._clock import time_us
from fakestash._engine import notify
from fakestash._engine.database import Database
from fakestash._engine.family import Command, Family
from fakestash._engine.glob import compile_glob
from fakestash._engine.replies import OK, Reply, Status
from fakestash._engine.version import REDIS_VERSION
from fakestash._errors import SYNTAX, CommandError

FAMILY = Family("server", group="server")

# MONITOR is served on its own SSE path (fakestash/_rest/sse.py): as a command it is refused.
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


# ---- COMMAND ---------------------------------------------------------------------------------
# COMMAND alone answers Upstash's empty array (spec §7). Its subcommands answer from the
# declarations, as Redis answers them from its own (fakestash's choice: what Upstash answers
# them is not documented; docs/commands/server.md). DOCS and GETKEYSANDFLAGS are not
# served: their answers need what the declarations do not hold (documentation text, the key
# flags of a given argv).

_COMMAND = "loading stale"


@FAMILY.command(
    "command", -1, _COMMAND,
    categories="connection",
    tips="nondeterministic_output_order",
    container=True,
    readonly_token=True,
)
def command_(db: Database, args: list[bytes]) -> Reply:
    """Upstash answers COMMAND with an empty array."""
    return []


@FAMILY.command(
    "command|info", -2, _COMMAND,
    categories="connection",
    tips="nondeterministic_output_order",
    readonly_token=True,
    upstash=False,
)
def command_info(db: Database, args: list[bytes]) -> Reply:
    """Each named command's details (every command's, if none is named); nil if unknown."""
    registry = db.registry
    if not args:
        return [_info_reply(registry.info(cmd)) for cmd in registry]
    found = (registry.command(name.decode("utf-8", "replace").lower()) for name in args)
    return [None if cmd is None else _info_reply(registry.info(cmd)) for cmd in found]


def _info_reply(row: list[Any]) -> Reply:
    """A COMMAND INFO row as Redis sends it: names and keys as bulk strings, flags, ACL
    categories and key spec flags as simple strings."""
    name, arity, flags, first, last, step, categories, tips, specs, subs = row
    return [
        name.encode(), arity, [Status(f) for f in flags], first, last, step,
        [Status(c) for c in categories], [t.encode() for t in tips],
        [_spec_reply(spec) for spec in specs], [_info_reply(sub) for sub in subs],
    ]  # fmt: skip


def _spec_reply(spec: list[Any]) -> Reply:
    out: list[Reply] = []
    for label, value in zip(spec[0::2], spec[1::2]):
        out.append(label.encode())
        out.append([Status(f) for f in value] if label == "flags" else _bulk(value))
    return out


def _bulk(value: Any) -> Reply:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, list):
        return [_bulk(item) for item in value]
    return int(value)


@FAMILY.command("command|count", 2, _COMMAND, categories="connection", readonly_token=True,
                upstash=False)  # fmt: skip
def command_count(db: Database, args: list[bytes]) -> Reply:
    """How many commands there are (subcommands not counted)."""
    return len(db.registry)


@FAMILY.command(
    "command|list", -2, _COMMAND,
    categories="connection",
    tips="nondeterministic_output_order",
    readonly_token=True,
    upstash=False,
)
def command_list(db: Database, args: list[bytes]) -> Reply:
    """Every command and subcommand name; FILTERBY MODULE name | ACLCAT category | PATTERN
    glob narrows it (fakestash has no modules)."""
    registry = db.registry
    names = sorted(cmd.name for top in registry for cmd in (top, *top.subcommands.values()))
    if not args:
        return [name.encode() for name in names]
    if len(args) != 3 or args[0].lower() != b"filterby":
        raise CommandError(SYNTAX)
    kind, value = args[1].lower(), args[2]
    if kind == b"module":
        return []
    if kind == b"aclcat":
        members = registry.members.get(value.decode("utf-8", "replace").lower(), frozenset())
        return [name.encode() for name in names if name in members]
    if kind == b"pattern":
        pattern = compile_glob(value.lower())
        return [name.encode() for name in names if pattern.fullmatch(name.encode())]
    raise CommandError(SYNTAX)


@FAMILY.command("command|getkeys", -3, _COMMAND, categories="connection", readonly_token=True,
                upstash=False)  # fmt: skip
def command_getkeys(db: Database, args: list[bytes]) -> Reply:
    """The keys of a full command, as its key specs find them."""
    cmd = _command_named(db, args)
    if cmd is None:
        raise CommandError("ERR Invalid command specified")
    if not any("not_key" not in spec.flags for spec in cmd.key_specs):
        raise CommandError("ERR The command has no key arguments")
    argc = len(args)
    if (cmd.arity > 0 and cmd.arity != argc) or argc < -cmd.arity:
        raise CommandError("ERR Invalid number of arguments specified for command")
    keys = cmd.keys(args)
    if not keys and "no_mandatory_keys" not in cmd.flags:
        raise CommandError("ERR Invalid arguments specified for command")
    return list[Reply](keys)


def _command_named(db: Database, argv: list[bytes]) -> Command | None:
    """The command (or subcommand) a full argv names, served or not (``lookupCommand``)."""
    cmd = db.registry.get(argv[0].decode("utf-8", "replace").lower())
    if cmd is not None and cmd.container and len(argv) > 1:
        return cmd.subcommands.get(argv[1].decode("utf-8", "replace").lower())
    return cmd


@FAMILY.command("command|help", 2, _COMMAND, categories="connection", readonly_token=True,
                upstash=False)  # fmt: skip
def command_help(db: Database, args: list[bytes]) -> Reply:
    """The subcommands, one line each."""
    return [Status(line) for line in _COMMAND_HELP]


_COMMAND_HELP = (
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return an empty array, as Upstash does.",
    "COUNT",
    "    Return the total number of commands in this server.",
    "LIST",
    "    Return a list of all commands in this server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple commands.",
    "    If no command names are given, details for all commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full command.",
    "HELP",
    "    Print this help.",
)


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
