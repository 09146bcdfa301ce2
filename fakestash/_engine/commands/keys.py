"""Generic key commands: DEL EXISTS TYPE, expiry (EXPIRE… TTL… PERSIST), RENAME COPY,
KEYS SCAN RANDOMKEY, and DUMP/RESTORE (RDB payloads, see ``fakestash._engine.rdb``).

Texts and edge cases follow redis/src/db.c and expire.c, checked against a real Redis 7.0.
Upstash's deviations (spec §8) are kept: UNLINK with no key answers 0, ``COPY k k``
answers 0, and SCAN takes Upstash's WITHTYPE flag. (The REST face refuses KEYS and SCAN to
read-only tokens.)
"""

from __future__ import annotations

from typing import Any

from fakestash._engine import rdb
from fakestash._engine.args import INT64_MAX, parse_int
from fakestash._engine.database import Database
from fakestash._engine.family import Family
from fakestash._engine.glob import compile_glob
from fakestash._engine.keyspec import key_at, key_range
from fakestash._engine.notify import GENERIC, emit
from fakestash._engine.replies import OK, Reply, Status
from fakestash._engine.scan import parse_cursor, parse_scan_options
from fakestash._engine.values import copy_value, type_name
from fakestash._errors import NO_SUCH_KEY, SYNTAX, CommandError

FAMILY = Family("keys", group="generic", category="keyspace")

# ---- existence -----------------------------------------------------------------------------


def _delete_many(db: Database, keys: list[bytes]) -> int:
    lookup, delete = db.lookup, db.delete
    if not db.notify_flags:
        return sum(1 for key in keys if lookup(key) is not None and delete(key))
    deleted = 0
    for key in keys:
        if lookup(key) is not None and delete(key):
            emit(db, GENERIC, b"del", key)
            deleted += 1
    return deleted


@FAMILY.command(
    "del", -2, "write",
    keys=[key_range(1, "RM delete")],
    tips="request_policy:multi_shard response_policy:agg_sum",
)
def del_(db: Database, args: list[bytes]) -> Reply:
    """Delete keys; returns how many existed."""
    return _delete_many(db, args)


@FAMILY.command(
    "unlink", -1, "write fast",
    keys=[key_range(1, "RM delete")],
    tips="request_policy:multi_shard response_policy:agg_sum",
)
def unlink(db: Database, args: list[bytes]) -> Reply:
    """Delete keys (Upstash: with no key it answers 0 rather than an arity error)."""
    return _delete_many(db, args)


@FAMILY.command(
    "exists", -2, "readonly fast",
    keys=[key_range(1, "RO")],
    tips="request_policy:multi_shard response_policy:agg_sum",
)
def exists(db: Database, args: list[bytes]) -> Reply:
    """How many of the keys exist (a key named twice counts twice)."""
    lookup = db.lookup
    return sum(1 for key in args if lookup(key) is not None)


@FAMILY.command(
    "touch", -2, "readonly fast",
    keys=[key_range(1, "RO")],
    tips="request_policy:multi_shard response_policy:agg_sum",
)
def touch(db: Database, args: list[bytes]) -> Reply:
    """Count the keys that exist (fakestash keeps no access times to update)."""
    return exists(db, args)


@FAMILY.command("type", 2, "readonly fast", keys=[key_at(1, "RO")])
def type_(db: Database, args: list[bytes]) -> Reply:
    """The type of the value at a key, or ``none``."""
    value = db.lookup(args[0])
    return Status("none" if value is None else type_name(value))


# ---- expiry --------------------------------------------------------------------------------

_NX, _XX, _GT, _LT = 1, 2, 4, 8
_EXPIRE_FLAGS = {b"NX": _NX, b"XX": _XX, b"GT": _GT, b"LT": _LT}


def _expire_flags(options: list[bytes]) -> int:
    flags = 0
    for raw in options:
        flag = _EXPIRE_FLAGS.get(raw.upper())
        if flag is None:
            raise CommandError(f"ERR Unsupported option {raw.decode('utf-8', 'replace')}")
        flags |= flag
    if flags & _NX and flags & (_XX | _GT | _LT):
        raise CommandError("ERR NX and XX, GT or LT options at the same time are not compatible")
    if flags & _GT and flags & _LT:
        raise CommandError("ERR GT and LT options at the same time are not compatible")
    return flags


def _expire(db: Database, args: list[bytes], name: str, unit_ms: int, relative: bool) -> int:
    """Redis' ``expireGenericCommand``: options first, then the number, then the key."""
    flags = _expire_flags(args[2:])
    when = parse_int(args[1])
    invalid = CommandError(f"ERR invalid expire time in '{name}' command")
    if unit_ms == 1000:
        if not -(INT64_MAX // 1000) <= when <= INT64_MAX // 1000:  # C division truncates
            raise invalid
        when *= 1000
    if relative:
        if when > INT64_MAX - db.now_ms:
            raise invalid
        when += db.now_ms
    key = args[0]
    if db.lookup(key) is None:
        return 0
    if flags and not _flags_allow(flags, db.expiry_of(key), when):
        return 0
    db.expire_at(key, when)
    if db.notify_flags:  # a time already past deleted the key
        emit(db, GENERIC, b"expire" if key in db.data else b"del", key)
    return 1


def _flags_allow(flags: int, current: int | None, when: int) -> bool:
    """NX/XX/GT/LT against the current expiry (no expiry counts as infinite)."""
    if flags & _NX and current is not None:
        return False
    if flags & _XX and current is None:
        return False
    if flags & _GT and (current is None or when <= current):
        return False
    return not (flags & _LT and current is not None and when >= current)


@FAMILY.command("expire", -3, "write fast", keys=[key_at(1, "RW update")])
def expire(db: Database, args: list[bytes]) -> Reply:
    """Set a key's time to live in seconds (NX XX GT LT)."""
    return _expire(db, args, "expire", 1000, relative=True)


@FAMILY.command("pexpire", -3, "write fast", keys=[key_at(1, "RW update")])
def pexpire(db: Database, args: list[bytes]) -> Reply:
    """Set a key's time to live in milliseconds (NX XX GT LT)."""
    return _expire(db, args, "pexpire", 1, relative=True)


@FAMILY.command("expireat", -3, "write fast", keys=[key_at(1, "RW update")])
def expireat(db: Database, args: list[bytes]) -> Reply:
    """Set a key's expiry as a Unix time in seconds (NX XX GT LT)."""
    return _expire(db, args, "expireat", 1000, relative=False)


@FAMILY.command("pexpireat", -3, "write fast", keys=[key_at(1, "RW update")])
def pexpireat(db: Database, args: list[bytes]) -> Reply:
    """Set a key's expiry as a Unix time in milliseconds (NX XX GT LT)."""
    return _expire(db, args, "pexpireat", 1, relative=False)


def _ttl_ms(db: Database, key: bytes) -> int:
    """Remaining ms (never negative); -2 if missing, -1 if it has no expiry."""
    if db.lookup(key) is None:
        return -2
    when = db.expiry_of(key)
    if when is None:
        return -1
    return max(when - db.now_ms, 0)


@FAMILY.command(
    "ttl", 2, "readonly fast",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output",
)
def ttl(db: Database, args: list[bytes]) -> Reply:
    """Seconds to live, rounded to the nearest second (-2 missing, -1 no expiry)."""
    remaining = _ttl_ms(db, args[0])
    if remaining < 0:
        return remaining
    return (remaining + 500) // 1000


@FAMILY.command(
    "pttl", 2, "readonly fast",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output",
)
def pttl(db: Database, args: list[bytes]) -> Reply:
    """Milliseconds to live (-2 missing, -1 no expiry)."""
    return _ttl_ms(db, args[0])


def _expiretime(db: Database, key: bytes, unit_ms: int) -> int:
    if db.lookup(key) is None:
        return -2
    when = db.expiry_of(key)
    if when is None:
        return -1
    return when if unit_ms == 1 else (when + 500) // 1000  # Redis rounds, as TTL does


@FAMILY.command("expiretime", 2, "readonly fast", keys=[key_at(1, "RO access")])
def expiretime(db: Database, args: list[bytes]) -> Reply:
    """The Unix time (seconds, rounded) a key expires at (-2 missing, -1 no expiry)."""
    return _expiretime(db, args[0], 1000)


@FAMILY.command("pexpiretime", 2, "readonly fast", keys=[key_at(1, "RO access")])
def pexpiretime(db: Database, args: list[bytes]) -> Reply:
    """The absolute Unix time (ms) a key expires at (-2 missing, -1 no expiry)."""
    return _expiretime(db, args[0], 1)


@FAMILY.command("persist", 2, "write fast", keys=[key_at(1, "RW update")])
def persist(db: Database, args: list[bytes]) -> Reply:
    """Remove a key's expiry: 1 if it had one, else 0."""
    if db.lookup(args[0]) is None or not db.persist(args[0]):
        return 0
    if db.notify_flags:
        emit(db, GENERIC, b"persist", args[0])
    return 1


# ---- rename / copy -------------------------------------------------------------------------


def _rename(db: Database, args: list[bytes], nx: bool) -> Reply:
    src, dst = args
    value = db.lookup(src)
    if value is None:
        raise CommandError(NO_SUCH_KEY)
    if src == dst:
        return 0 if nx else OK
    if nx and db.lookup(dst) is not None:
        return 0
    when = db.expiry_of(src)
    db.delete(dst)  # Redis deletes a target, then adds the key anew (a "new" event)
    db.put(dst, value)
    if when is not None:
        db.expires[dst] = when  # the TTL moves with the value, already known to be live
    db.delete(src)
    if db.notify_flags:
        emit(db, GENERIC, b"rename_from", src)
        emit(db, GENERIC, b"rename_to", dst)
    return 1 if nx else OK


@FAMILY.command("rename", 3, "write", keys=[key_at(1, "RW access delete"), key_at(2, "OW update")])
def rename(db: Database, args: list[bytes]) -> Reply:
    """Rename a key (replacing the target); its TTL moves with it."""
    return _rename(db, args, nx=False)


@FAMILY.command(
    "renamenx", 3, "write fast",
    keys=[key_at(1, "RW access delete"), key_at(2, "OW insert")],
)
def renamenx(db: Database, args: list[bytes]) -> Reply:
    """Rename a key only if the new name is free: 1 if renamed, 0 if not."""
    return _rename(db, args, nx=True)


@FAMILY.command("copy", -3, "write denyoom", keys=[key_at(1, "RO access"), key_at(2, "OW update")])
def copy(db: Database, args: list[bytes]) -> Reply:
    """Copy a key's value (and TTL) to another key: 1 if copied, 0 if not (DB 0 only)."""
    src, dst = args[0], args[1]
    replace = False
    i = 2
    while i < len(args):
        word = args[i].upper()
        if word == b"REPLACE":
            replace = True
        elif word == b"DB" and i + 1 < len(args):
            if not -(2**31) <= parse_int(args[i + 1]) < 2**31:
                raise CommandError(
                    "ERR value is out of range, value must between -2147483648 and 2147483647"
                )
            if parse_int(args[i + 1]) != 0:
                raise CommandError("ERR DB index is out of range")
            i += 1
        else:
            raise CommandError(SYNTAX)
        i += 1
    if src == dst:
        return 0  # Upstash; Redis says "ERR source and destination objects are the same"
    value = db.lookup(src)
    if value is None:
        return 0
    if db.lookup(dst) is not None and not replace:
        return 0
    when = db.expiry_of(src)
    db.delete(dst)  # REPLACE: Redis deletes the target, then adds the copy ("new")
    db.put(dst, copy_value(value))
    if when is not None:
        db.expires[dst] = when
    if db.notify_flags:
        emit(db, GENERIC, b"copy_to", dst)
    return 1


# ---- listing -------------------------------------------------------------------------------


@FAMILY.command(
    "keys", 2, "readonly",
    categories="keyspace dangerous",
    tips="request_policy:all_shards nondeterministic_output_order",
    readonly_token=False,
)
def keys(db: Database, args: list[bytes]) -> Reply:
    """Every key matching a glob pattern."""
    pattern = args[0]
    if pattern == b"*":
        return list(db.keys())
    match = compile_glob(pattern).fullmatch
    return [key for key in db.keys() if match(key) is not None]  # noqa: SIM118 (not a dict)


@FAMILY.command(
    "scan", -2, "readonly",
    tips="nondeterministic_output request_policy:special response_policy:special",
    readonly_token=False,
)
def scan(db: Database, args: list[bytes]) -> Reply:
    """Iterate the keyspace: SCAN cursor [MATCH p] [COUNT n] [TYPE t] [WITHTYPE]."""
    cursor = parse_cursor(args[0])
    options = parse_scan_options(args[1:], valued=(b"TYPE",), flags=(b"WITHTYPE",))
    raw_type = options.values.get(b"TYPE")
    wanted = raw_type.decode("utf-8", "replace").lower() if raw_type is not None else None
    with_type = b"WITHTYPE" in options.flags  # Upstash's extension: keys paired with types
    next_cursor, page = db.scan_index.page(cursor, options.count)
    match = compile_glob(options.pattern).fullmatch if options.pattern is not None else None
    out: list[Reply] = []
    for key in page:
        if match is not None and match(key) is None:
            continue
        value = db.lookup(key)  # an expired key read here is deleted, as Redis does
        if value is None:
            continue
        kind = type_name(value)
        if wanted is not None and kind != wanted:
            continue
        out.append(key)
        if with_type:
            out.append(kind.encode())
    return [b"%d" % next_cursor, out]


@FAMILY.command(
    "randomkey", 1, "readonly",
    tips="request_policy:all_shards response_policy:special nondeterministic_output",
)
def randomkey(db: Database, args: list[bytes]) -> Reply:
    """A random key (from the server's seeded RNG), or nil if the database is empty."""
    live = list(db.keys())
    if not live:
        return None
    return live[db.rng.randrange(len(live))]


# ---- DUMP / RESTORE --------------------------------------------------------------------------


@FAMILY.command(
    "dump", 2, "readonly",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output",
)
def dump(db: Database, args: list[bytes]) -> Reply:
    """The value at a key serialized in Redis' RDB format (nil if missing)."""
    value = db.lookup(args[0])
    return None if value is None else rdb.dump(value)


@FAMILY.command(
    "restore", -4, "write denyoom",
    keys=[key_at(1, "OW update")],
    categories="keyspace dangerous",
)
def restore(db: Database, args: list[bytes]) -> Reply:
    """Create a key from a DUMP payload: RESTORE key ttl payload [REPLACE] [ABSTTL]
    [IDLETIME s] [FREQ f]."""
    key, raw_ttl, payload = args[0], args[1], args[2]
    replace, absttl = _restore_options(args[3:])
    if not replace and db.lookup(key) is not None:
        raise CommandError("BUSYKEY Target key name already exists.")
    ttl_ms = parse_int(raw_ttl)
    if ttl_ms < 0:
        raise CommandError("ERR Invalid TTL value, must be >= 0")
    if not rdb.verify(payload):
        raise CommandError("ERR DUMP payload version or checksum are wrong")
    try:
        value = rdb.load(payload, db.registry.readers)
    except rdb.RdbError:
        raise CommandError("ERR Bad data format") from None
    deleted = replace and db.delete(key)
    if not _keep_live_members(db, value):  # every field's TTL had passed: nothing is created
        if deleted and db.notify_flags:
            emit(db, GENERIC, b"del", key)
        return OK
    when = None
    if ttl_ms:
        when = ttl_ms if absttl else ttl_ms + db.now_ms
        if when <= db.now_ms:  # already expired: Redis creates nothing (REPLACE deleted)
            if deleted and db.notify_flags:
                emit(db, GENERIC, b"del", key)
            return OK
    db.put(key, value)
    if when is not None:
        db.expires[key] = when
    if db.notify_flags:
        emit(db, GENERIC, b"restore", key)
    return OK


def _keep_live_members(db: Database, value: Any) -> bool:
    """Hash fields restored with their TTLs (Redis 7.4+ payloads): fields already expired are
    dropped, as Redis drops them while loading; False if none is left. (Redis 8.2 then keeps
    the key with its expired field until active expiry reclaims it, HLEN 1 and HGETALL
    empty; here an expired field is gone for every command, so the key is too.)"""
    if not getattr(value, "ttls", None):
        return True
    db.member_expiry = True
    value.reap(db.now_ms)
    return bool(value)


def _restore_options(options: list[bytes]) -> tuple[bool, bool]:
    """REPLACE, ABSTTL; IDLETIME and FREQ are checked and then ignored (fakestash keeps no
    LRU/LFU data). As in Redis, IDLETIME and FREQ exclude each other."""
    replace = absttl = False
    idle = freq = False
    i = 0
    while i < len(options):
        word, more = options[i].upper(), i + 1 < len(options)
        if word == b"REPLACE":
            replace = True
        elif word == b"ABSTTL":
            absttl = True
        elif word == b"IDLETIME" and more and not freq:
            if parse_int(options[i + 1]) < 0:
                raise CommandError("ERR Invalid IDLETIME value, must be >= 0")
            idle = True
            i += 1
        elif word == b"FREQ" and more and not idle:
            if not 0 <= parse_int(options[i + 1]) <= 255:
                raise CommandError("ERR Invalid FREQ value, must be >= 0 and <= 255")
            freq = True
            i += 1
        else:
            raise CommandError(SYNTAX)
        i += 1
    return replace, absttl
