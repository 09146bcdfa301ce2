"""String commands: GET SET and friends, counters, ranges, LCS, DIGEST and DELEX.

Texts and edge cases follow redis/src/t_string.c (checked against a real Redis 7.0) and,
for commands newer than 7.0 (SET IFEQ/IFNE/IFDEQ/IFDNE, DELEX, DIGEST, MSETEX: Redis 8.4,
which Upstash serves), the Redis command docs and test suite. GET and SET are the commands
every benchmark runs: their plain forms take a short path with no option parsing.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import xxhash

from fakestash._engine import longdouble, sds_hidden
from fakestash._engine.args import INT64_MAX, INT64_MIN, parse_int
from fakestash._engine.database import Database
from fakestash._engine.family import Family
from fakestash._engine.keyspec import key_at, key_count, key_range
from fakestash._engine.notify import GENERIC, STRING, emit
from fakestash._engine.replies import OK, Reply
from fakestash._errors import OVERFLOW, SYNTAX, CommandError, WrongType

FAMILY = Family("strings", group="string", category="string")

#: Redis' default proto-max-bulk-len: the largest string APPEND/SETRANGE may build.
MAX_STRING = 512 * 1024 * 1024
INT_MAX = 2**31 - 1
TOO_LONG = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"


def get_string(db: Database, key: bytes) -> bytes | None:
    """The string at ``key``; None if missing; WRONGTYPE for any other type."""
    value = db.lookup(key)
    if value is None or type(value) is bytes:
        return value
    raise WrongType()


def expire_error(name: str) -> CommandError:
    return CommandError(f"ERR invalid expire time in '{name}' command")


# ---- GET / SET ---------------------------------------------------------------------------


@FAMILY.command("get", 2, "readonly fast", keys=[key_at(1, "RO access")])
def get(db: Database, args: list[bytes]) -> Reply:
    """Get the string value of a key."""
    value = db.lookup(args[0])
    if value is None or type(value) is bytes:
        return value
    raise WrongType()


# Option flags shared by SET and GETEX (Redis' OBJ_* flags).
_NX, _XX, _GET, _KEEPTTL, _PERSIST = 1, 2, 4, 8, 16
_EX, _PX, _EXAT, _PXAT, _COND = 32, 64, 128, 256, 512
_ANY_EXPIRE = _EX | _PX | _EXAT | _PXAT
_EXPIRE_UNITS = {b"EX": _EX, b"PX": _PX, b"EXAT": _EXAT, b"PXAT": _PXAT}
_CONDITIONS = (b"IFEQ", b"IFNE", b"IFDEQ", b"IFDNE")


class _Options:
    """The parsed options of a SET or GETEX (``parseExtendedStringArgumentsOrReply``)."""

    __slots__ = ("condition", "expire", "flags", "match")

    def __init__(self) -> None:
        self.flags = 0
        self.expire: bytes | None = None
        self.condition = b""  # IFEQ/IFNE/IFDEQ/IFDNE
        self.match = b""


def _parse_options(args: list[bytes], start: int, is_set: bool) -> _Options:
    opts = _Options()
    i, n = start, len(args)
    while i < n:
        word = args[i].upper()
        has_next = i + 1 < n
        flags = opts.flags
        if is_set and word == b"NX" and not flags & (_XX | _COND):
            opts.flags |= _NX
        elif is_set and word == b"XX" and not flags & (_NX | _COND):
            opts.flags |= _XX
        elif is_set and word == b"GET":
            opts.flags |= _GET
        elif is_set and word == b"KEEPTTL" and not flags & (_PERSIST | _ANY_EXPIRE):
            opts.flags |= _KEEPTTL
        elif not is_set and word == b"PERSIST" and not flags & (_ANY_EXPIRE | _KEEPTTL):
            opts.flags |= _PERSIST
        elif word in _EXPIRE_UNITS and has_next and not _expire_conflict(flags, word):
            opts.flags |= _EXPIRE_UNITS[word]
            opts.expire = args[i + 1]
            i += 1
        elif is_set and word in _CONDITIONS and has_next and not flags & (_NX | _XX | _COND):
            opts.flags |= _COND
            opts.condition, opts.match = word, args[i + 1]
            i += 1
        else:
            raise CommandError(SYNTAX)
        i += 1
    return opts


def _expire_conflict(flags: int, word: bytes) -> bool:
    """Another expiry form (or KEEPTTL/PERSIST) was already given; the same one may repeat."""
    return bool(flags & (_KEEPTTL | _PERSIST | (_ANY_EXPIRE & ~_EXPIRE_UNITS[word])))


def _expire_ms(db: Database, opts: _Options, name: str) -> int:
    """Redis' ``getExpireMillisecondsOrReply``: the absolute expiry in ms, range-checked."""
    assert opts.expire is not None
    when = parse_int(opts.expire)
    seconds = bool(opts.flags & (_EX | _EXAT))
    if when <= 0 or (seconds and when > INT64_MAX // 1000):
        raise expire_error(name)
    if seconds:
        when *= 1000
    if opts.flags & (_EX | _PX):
        when += db.now_ms
    if when > INT64_MAX:
        raise expire_error(name)  # a C long long would have wrapped negative
    return when


@FAMILY.command("set", -3, "write denyoom", keys=[key_at(1, "RW access update variable_flags")])
def set_(db: Database, args: list[bytes]) -> Reply:
    """Set the string value of a key, with NX/XX/IF* conditions, GET and expiry options."""
    if len(args) == 2:
        db.put(args[0], args[1])
        if db.notify_flags:
            emit(db, STRING, b"set", args[0])
        return OK
    opts = _parse_options(args, 2, is_set=True)
    expire_at = _expire_ms(db, opts, "set") if opts.expire is not None else None
    key = args[0]
    current = db.lookup(key)
    wants_get = bool(opts.flags & _GET)
    if (wants_get or opts.flags & _COND) and current is not None and type(current) is not bytes:
        raise WrongType()
    if not _condition_holds(opts, current):
        return current if wants_get else None
    db.put(key, args[1], keep_ttl=bool(opts.flags & _KEEPTTL))
    _set_events(db, key, expire_at)
    if expire_at is not None:
        db.expire_at(key, expire_at)
    return current if wants_get else OK


def _set_events(db: Database, key: bytes, expire_at: int | None) -> None:
    """SET's events: ``set``, then ``expire`` when it gave a TTL (even one already past)."""
    if db.notify_flags:
        emit(db, STRING, b"set", key)
        if expire_at is not None:
            emit(db, GENERIC, b"expire", key)


def _condition_holds(opts: _Options, current: Any) -> bool:
    flags = opts.flags
    if flags & _NX:
        return current is None
    if flags & _XX:
        return current is not None
    if not flags & _COND:
        return True
    cond = opts.condition
    if current is None:
        return cond in (b"IFNE", b"IFDNE")  # IFNE/IFDNE also create a missing key
    if cond == b"IFEQ":
        return bool(current == opts.match)
    if cond == b"IFNE":
        return bool(current != opts.match)
    same = digest_matches(current, opts.match)
    return same if cond == b"IFDEQ" else not same


@FAMILY.command("setnx", 3, "write denyoom fast", keys=[key_at(1, "OW insert")])
def setnx(db: Database, args: list[bytes]) -> Reply:
    """Set a key only if it does not exist: 1 if set, 0 if not."""
    if db.lookup(args[0]) is not None:
        return 0
    db.put(args[0], args[1])
    _set_events(db, args[0], None)
    return 1


def _set_with_ttl(db: Database, args: list[bytes], unit_ms: int, name: str) -> Reply:
    ttl = parse_int(args[1])
    if ttl <= 0 or ttl > INT64_MAX // unit_ms:
        raise expire_error(name)
    when = ttl * unit_ms + db.now_ms
    if when > INT64_MAX:
        raise expire_error(name)
    db.put(args[0], args[2])
    _set_events(db, args[0], when)
    db.expire_at(args[0], when)
    return OK


@FAMILY.command("setex", 4, "write denyoom", keys=[key_at(1, "OW update")])
def setex(db: Database, args: list[bytes]) -> Reply:
    """Set a value and its time to live in seconds."""
    return _set_with_ttl(db, args, 1000, "setex")


@FAMILY.command("psetex", 4, "write denyoom", keys=[key_at(1, "OW update")])
def psetex(db: Database, args: list[bytes]) -> Reply:
    """Set a value and its time to live in milliseconds."""
    return _set_with_ttl(db, args, 1, "psetex")


@FAMILY.command("getset", 3, "write denyoom fast", keys=[key_at(1, "RW access update")])
def getset(db: Database, args: list[bytes]) -> Reply:
    """Set a new value and return the old one (the TTL is cleared)."""
    old = get_string(db, args[0])
    db.put(args[0], args[1])
    _set_events(db, args[0], None)
    return old


@FAMILY.command("getdel", 2, "write fast", keys=[key_at(1, "RW access delete")])
def getdel(db: Database, args: list[bytes]) -> Reply:
    """Return the value of a key and delete it."""
    value = get_string(db, args[0])
    if value is not None:
        db.delete(args[0])
        if db.notify_flags:
            emit(db, GENERIC, b"del", args[0])
    return value


@FAMILY.command("getex", -2, "write fast", keys=[key_at(1, "RW access update")])
def getex(db: Database, args: list[bytes]) -> Reply:
    """Return the value of a key and set (EX/PX/EXAT/PXAT) or remove (PERSIST) its TTL."""
    opts = _parse_options(args, 1, is_set=False)
    key = args[0]
    value = get_string(db, key)
    if value is None:
        return None
    if opts.expire is not None:
        when = _expire_ms(db, opts, "getex")
        db.expire_at(key, when)
        if db.notify_flags:  # a time already past deleted the key
            emit(db, GENERIC, b"expire" if key in db.data else b"del", key)
    elif opts.flags & _PERSIST and db.persist(key) and db.notify_flags:
        emit(db, GENERIC, b"persist", key)
    return value


# ---- many keys ---------------------------------------------------------------------------


@FAMILY.command(
    "mget", -2, "readonly fast",
    keys=[key_range(1, "RO access")],
    tips="request_policy:multi_shard",
)
def mget(db: Database, args: list[bytes]) -> Reply:
    """Values of many keys; nil for missing keys and keys of other types."""
    lookup = db.lookup
    out: list[Reply] = []
    for key in args:
        value = lookup(key)
        out.append(value if type(value) is bytes else None)
    return out


def _check_pairs(args: list[bytes], name: str) -> None:
    if len(args) % 2:
        raise CommandError(f"ERR wrong number of arguments for '{name}' command")


@FAMILY.command(
    "mset", -3, "write denyoom",
    keys=[key_range(1, "OW update", step=2)],
    tips="request_policy:multi_shard response_policy:all_succeeded",
)
def mset(db: Database, args: list[bytes]) -> Reply:
    """Set many keys at once."""
    _check_pairs(args, "mset")
    for i in range(0, len(args), 2):
        db.put(args[i], args[i + 1])
        _set_events(db, args[i], None)
    return OK


@FAMILY.command("msetnx", -3, "write denyoom", keys=[key_range(1, "OW insert", step=2)])
def msetnx(db: Database, args: list[bytes]) -> Reply:
    """Set many keys only if none of them exists: 1 if set, 0 if not."""
    _check_pairs(args, "msetnx")
    if any(db.lookup(args[i]) is not None for i in range(0, len(args), 2)):
        return 0
    for i in range(0, len(args), 2):
        db.put(args[i], args[i + 1])
        _set_events(db, args[i], None)
    return 1


@FAMILY.command(
    "msetex", -4, "write denyoom",
    keys=[key_count(1, "OW update", step=2)],
    note="listed in Upstash's docs after the 8.2 compatibility table",
)
def msetex(db: Database, args: list[bytes]) -> Reply:
    """Set many keys with one expiry (NX: none exists, XX: all exist): 1 if set, 0 if not."""
    numkeys = parse_int(args[0], "ERR invalid numkeys value")
    if not 1 <= numkeys <= INT_MAX:
        raise CommandError("ERR invalid numkeys value")
    if 2 * numkeys > len(args) - 1:
        raise CommandError("ERR wrong number of key-value pairs")
    opts = _parse_options(args, 1 + 2 * numkeys, is_set=True)
    if opts.flags & (_GET | _COND):
        raise CommandError(SYNTAX)  # Redis 8.4 takes NX/XX, EX/PX/EXAT/PXAT and KEEPTTL only
    expire_at = _expire_ms(db, opts, "msetex") if opts.expire is not None else None
    pairs = [(args[i], args[i + 1]) for i in range(1, 1 + 2 * numkeys, 2)]
    if opts.flags & (_NX | _XX):
        present = [db.lookup(key) is not None for key, _ in pairs]
        if (opts.flags & _NX and any(present)) or (opts.flags & _XX and not all(present)):
            return 0
    for key, value in pairs:
        db.put(key, value, keep_ttl=bool(opts.flags & _KEEPTTL))
        _set_events(db, key, expire_at)
        if expire_at is not None:
            db.expire_at(key, expire_at)
    return 1


# ---- editing -----------------------------------------------------------------------------


def _check_length(size: int) -> None:
    if size > MAX_STRING:
        raise CommandError(TOO_LONG)


@FAMILY.command("append", 3, "write denyoom fast", keys=[key_at(1, "RW insert")])
def append(db: Database, args: list[bytes]) -> Reply:
    """Append to a string (creating it); returns the new length."""
    key, tail = args
    current = get_string(db, key)
    if current is None:
        db.put(key, tail)
        _string_event(db, b"append", key)
        return len(tail)
    _check_length(len(current) + len(tail))
    new = current + tail
    db.put(key, new, keep_ttl=True)
    sds_hidden.grew(db, key, current, new)
    _string_event(db, b"append", key)
    return len(new)


def _string_event(db: Database, event: bytes, key: bytes) -> None:
    if db.notify_flags:
        emit(db, STRING, event, key)


@FAMILY.command("strlen", 2, "readonly fast", keys=[key_at(1, "RO")])
def strlen(db: Database, args: list[bytes]) -> Reply:
    """Length of the string at a key (0 if missing)."""
    value = get_string(db, args[0])
    return 0 if value is None else len(value)


@FAMILY.command("getrange", 4, "readonly", keys=[key_at(1, "RO access")])
def getrange(db: Database, args: list[bytes]) -> Reply:
    """A substring by inclusive, possibly negative, offsets."""
    start, end = parse_int(args[1]), parse_int(args[2])
    value = get_string(db, args[0])
    if value is None:
        return b""
    return _substring(value, start, end)


@FAMILY.command("substr", 4, "readonly", keys=[key_at(1, "RO access")], upstash=False)
def substr(db: Database, args: list[bytes]) -> Reply:
    """The old name of GETRANGE."""
    return getrange(db, args)


def _substring(value: bytes, start: int, end: int) -> bytes:
    """Redis 7.0-8.2 clamping: an ``end`` before the string start still clamps to 0, so
    ``GETRANGE k 0 -100`` is the first byte (PR #12272 changed this, then was reverted)."""
    size = len(value)
    if start < 0 and end < 0 and start > end:
        return b""
    if start < 0:
        start = max(size + start, 0)
    if end < 0:
        end = max(size + end, 0)
    end = min(end, size - 1)
    if start > end or size == 0:
        return b""
    return value[start : end + 1]


@FAMILY.command("setrange", 4, "write denyoom", keys=[key_at(1, "RW update")])
def setrange(db: Database, args: list[bytes]) -> Reply:
    """Overwrite part of a string at an offset (zero-padding); returns the new length."""
    key, raw_offset, patch = args
    offset = parse_int(raw_offset)
    if offset < 0:
        raise CommandError("ERR offset is out of range")
    current = get_string(db, key)
    if current is None:
        if not patch:
            return 0
        _check_length(offset + len(patch))
        db.put(key, bytes(offset) + patch)
        _string_event(db, b"setrange", key)
        return offset + len(patch)
    if not patch:
        return len(current)
    _check_length(offset + len(patch))
    grown = current
    if offset > len(current):
        grown += bytes(offset - len(current))
    new = grown[:offset] + patch + grown[offset + len(patch) :]
    db.put(key, new, keep_ttl=True)
    if len(new) == len(current):
        sds_hidden.carry(db, key, current, new)  # written in place: same buffer in Redis
    else:
        sds_hidden.grew(db, key, current, new)
    _string_event(db, b"setrange", key)
    return len(new)


# ---- counters ----------------------------------------------------------------------------


def _incr(db: Database, key: bytes, delta: int) -> int:
    current = get_string(db, key)
    value = 0 if current is None else parse_int(current)
    total = value + delta
    if not INT64_MIN <= total <= INT64_MAX:
        raise CommandError(OVERFLOW)
    db.put(key, b"%d" % total, keep_ttl=True)
    _string_event(db, b"incrby", key)
    return total


@FAMILY.command("incr", 2, "write denyoom fast", keys=[key_at(1, "RW access update")])
def incr(db: Database, args: list[bytes]) -> Reply:
    """Add one to the integer at a key."""
    return _incr(db, args[0], 1)


@FAMILY.command("decr", 2, "write denyoom fast", keys=[key_at(1, "RW access update")])
def decr(db: Database, args: list[bytes]) -> Reply:
    """Subtract one from the integer at a key."""
    return _incr(db, args[0], -1)


@FAMILY.command("incrby", 3, "write denyoom fast", keys=[key_at(1, "RW access update")])
def incrby(db: Database, args: list[bytes]) -> Reply:
    """Add an integer to the integer at a key."""
    return _incr(db, args[0], parse_int(args[1]))


@FAMILY.command("decrby", 3, "write denyoom fast", keys=[key_at(1, "RW access update")])
def decrby(db: Database, args: list[bytes]) -> Reply:
    """Subtract an integer from the integer at a key."""
    delta = parse_int(args[1])
    if delta == INT64_MIN:
        raise CommandError("ERR decrement would overflow")
    return _incr(db, args[0], -delta)


@FAMILY.command("incrbyfloat", 3, "write denyoom fast", keys=[key_at(1, "RW access update")])
def incrbyfloat(db: Database, args: list[bytes]) -> Reply:
    """Add a float to the number at a key, in long double, rendered as Redis renders it."""
    key = args[0]
    current = get_string(db, key)
    value = longdouble.parse_long_double(current) if current is not None else Fraction(0)
    increment = longdouble.parse_long_double(args[1])
    if value is None or increment is None:
        raise CommandError("ERR value is not a valid float")
    total = longdouble.add(value, increment)
    if total is None:
        raise CommandError("ERR increment would produce NaN or Infinity")
    text = longdouble.format_long_double(total)
    db.put(key, text, keep_ttl=True)
    _string_event(db, b"incrbyfloat", key)
    return text


# ---- LCS ---------------------------------------------------------------------------------


@FAMILY.command("lcs", -3, "readonly", keys=[key_range(1, "RO access", last=1)], upstash=False)
def lcs(db: Database, args: list[bytes]) -> Reply:
    """Longest common subsequence of two strings: the string, LEN, or IDX match ranges."""
    a, b = (db.lookup(k) for k in args[:2])
    if (a is not None and type(a) is not bytes) or (b is not None and type(b) is not bytes):
        raise CommandError("ERR The specified keys must contain string values")
    a, b = a or b"", b or b""
    get_len = get_idx = with_len = False
    min_len = 0
    i = 2
    while i < len(args):
        word = args[i].upper()
        if word == b"IDX":
            get_idx = True
        elif word == b"LEN":
            get_len = True
        elif word == b"WITHMATCHLEN":
            with_len = True
        elif word == b"MINMATCHLEN" and i + 1 < len(args):
            min_len = max(parse_int(args[i + 1]), 0)
            i += 1
        else:
            raise CommandError(SYNTAX)
        i += 1
    if get_idx and get_len:
        raise CommandError("ERR If you want both the length and indexes, please just use IDX.")
    table = _lcs_table(a, b)
    if get_len:
        return table[len(a)][len(b)]
    text, matches = _lcs_walk(a, b, table, min_len, with_len)
    if get_idx:
        return [b"matches", matches, b"len", table[len(a)][len(b)]]
    return text


def _lcs_table(a: bytes, b: bytes) -> list[list[int]]:
    """``table[i][j]`` = LCS length of ``a[:i]`` and ``b[:j]`` (dynamic programming)."""
    table = [[0] * (len(b) + 1)]
    for i in range(1, len(a) + 1):
        above, row = table[-1], [0]
        ca = a[i - 1]
        for j in range(1, len(b) + 1):
            if ca == b[j - 1]:
                row.append(above[j - 1] + 1)
            else:
                left, up = row[j - 1], above[j]
                row.append(up if up > left else left)
        table.append(row)
    return table


def _lcs_walk(
    a: bytes, b: bytes, table: list[list[int]], min_len: int, with_len: bool
) -> tuple[bytes, list[Reply]]:
    """Walk the table back from the end as Redis does: the LCS text and the match ranges
    (latest first), each ``[[a_start, a_end], [b_start, b_end]]`` (+ length)."""
    chars: list[int] = []
    matches: list[Reply] = []
    i, j = len(a), len(b)
    a_start = a_end = b_start = b_end = -1  # -1: no open range
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            chars.append(a[i - 1])
            if a_start == -1:
                a_start = a_end = i - 1
                b_start = b_end = j - 1
            elif a_start == i and b_start == j:
                a_start, b_start = a_start - 1, b_start - 1
            else:
                emit = True
            if a_start == 0 or b_start == 0:
                emit = True
            i, j = i - 1, j - 1
        else:
            if table[i - 1][j] > table[i][j - 1]:
                i -= 1
            else:
                j -= 1
            emit = a_start != -1
        if emit:
            length = a_end - a_start + 1
            if min_len == 0 or length >= min_len:
                entry: list[Reply] = [[a_start, a_end], [b_start, b_end]]
                if with_len:
                    entry.append(length)
                matches.append(entry)
            a_start = -1
    return bytes(reversed(chars)), matches


# ---- DIGEST / DELEX (Redis 8.4) --------------------------------------------------------------


def digest(value: bytes) -> bytes:
    """The XXH3-64 digest of a value as 16 lower-case hex digits (Redis' DIGEST), from the
    ``xxhash`` package (python-xxhash: bindings to the reference C library; a dependency)."""
    return xxhash.xxh3_64_hexdigest(value).encode()


def digest_matches(value: bytes, given: bytes) -> bool:
    """Whether a client's hex digest names this value (hex digits compare case-blind)."""
    return digest(value) == given.lower()


@FAMILY.command("digest", 2, "readonly fast", keys=[key_at(1, "RO access")])
def digest_(db: Database, args: list[bytes]) -> Reply:
    """The XXH3 hash digest of a string value, as hex (nil if missing)."""
    value = get_string(db, args[0])
    return None if value is None else digest(value)


@FAMILY.command("delex", -2, "write fast", keys=[key_at(1, "RM delete")])
def delex(db: Database, args: list[bytes]) -> Reply:
    """Delete a key, optionally only if its value (IFEQ/IFNE) or digest (IFDEQ/IFDNE) matches."""
    key = args[0]
    if len(args) == 1:
        if db.lookup(key) is None:
            return 0
        _delete(db, key)
        return 1
    if len(args) != 3 or args[1].upper() not in _CONDITIONS:
        raise CommandError(SYNTAX)
    value = db.lookup(key)
    if value is None:
        return 0
    if type(value) is not bytes:
        raise WrongType()
    opts = _Options()
    opts.flags, opts.condition, opts.match = _COND, args[1].upper(), args[2]
    if not _condition_holds(opts, value):
        return 0
    _delete(db, key)
    return 1


def _delete(db: Database, key: bytes) -> None:
    db.delete(key)
    if db.notify_flags:
        emit(db, GENERIC, b"del", key)
