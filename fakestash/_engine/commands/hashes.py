"""Hash commands: HSET … HSCAN, and hash-field expiration (Redis 7.4/8.0: HEXPIRE … HSETEX).

Replies, error texts and the order of checks follow Redis' ``t_hash.c``; field TTLs follow
Redis 8 (HINCRBY keeps a field's TTL, LT sets a TTL on a field without one). Expired fields
are gone for every command (see ``values/hash.py``). Upstash accepts expiry times past Redis'
2**48 ms cap, so only a time that overflows 64 bits is refused here.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from fakestash._engine import longdouble
from fakestash._engine.args import INT64_MAX, INT64_MIN, is_int, parse_int
from fakestash._engine.database import Database
from fakestash._engine.family import Family
from fakestash._engine.glob import compile_glob
from fakestash._engine.keyspec import key_at
from fakestash._engine.notify import HASH, emit
from fakestash._engine.replies import OK, Reply
from fakestash._engine.scan import collection_page, parse_cursor, parse_scan_options
from fakestash._engine.values.hash import HashValue
from fakestash._errors import NOT_FLOAT, OVERFLOW, SYNTAX, CommandError, WrongArity

FAMILY = Family("hashes", group="hash", category="hash", values=[HashValue])

FIELDS_MISSING = "ERR Mandatory argument FIELDS is missing or not at the right position"
NUMFIELDS_MISMATCH = "ERR The `numfields` parameter must match the number of arguments"
NUMFIELDS_POSITIVE = "ERR Number of fields must be a positive integer"
NUMFIELDS_EXPIRE = "ERR Parameter `numFields` should be greater than 0"

# Per-field codes of HEXPIRE & co. and HTTL/HPERSIST (t_hash.c SetExRes / GetExpireTimeRes).
NO_FIELD = -2
NO_TTL = -1
CONDITION_NOT_MET = 0
SET = 1
DELETED = 2


def _hash(db: Database, key: bytes) -> HashValue | None:
    return db.get(key, HashValue)


def _event(db: Database, event: bytes, key: bytes) -> None:
    if db.notify_flags:
        emit(db, HASH, event, key)


def _ttl_event(db: Database, key: bytes, results: list[int], persist: bool = False) -> None:
    """After TTL changes (t_hash.c): ``hpersist``/``hexpire`` if any field's TTL changed,
    else ``hdel`` if any field was deleted (a time already past)."""
    if SET in results:
        _event(db, b"hpersist" if persist else b"hexpire", key)
    elif DELETED in results:
        _event(db, b"hdel", key)


# ---- setting and getting -----------------------------------------------------------------


@FAMILY.command("hset", -4, "write denyoom fast", keys=[key_at(1, "RW update")])
def hset(db: Database, args: list[bytes]) -> Reply:
    """Set fields of a hash; reply with how many were new."""
    if len(args) % 2 == 0:
        raise WrongArity("hset")
    value = db.get_or_create(args[0], HashValue)
    added = sum(value.set(args[i], args[i + 1]) for i in range(1, len(args), 2))
    _event(db, b"hset", args[0])
    return added


@FAMILY.command("hmset", -4, "write denyoom fast", keys=[key_at(1, "RW update")])
def hmset(db: Database, args: list[bytes]) -> Reply:
    """Set fields of a hash (deprecated form of HSET); reply OK."""
    if len(args) % 2 == 0:
        raise WrongArity("hmset")
    value = db.get_or_create(args[0], HashValue)
    for i in range(1, len(args), 2):
        value.set(args[i], args[i + 1])
    _event(db, b"hset", args[0])
    return OK


@FAMILY.command("hsetnx", 4, "write denyoom fast", keys=[key_at(1, "RW insert")])
def hsetnx(db: Database, args: list[bytes]) -> Reply:
    """Set a field only if it does not exist yet."""
    value = db.get_or_create(args[0], HashValue)
    if args[1] in value:
        return 0
    value.set(args[1], args[2])
    _event(db, b"hset", args[0])
    return 1


@FAMILY.command("hget", 3, "readonly fast", keys=[key_at(1, "RO access")])
def hget(db: Database, args: list[bytes]) -> Reply:
    """The value of a field, or nil."""
    value = _hash(db, args[0])
    return None if value is None else value.get(args[1])


@FAMILY.command("hmget", -3, "readonly fast", keys=[key_at(1, "RO access")])
def hmget(db: Database, args: list[bytes]) -> Reply:
    """The values of several fields (nil for each missing one)."""
    value = _hash(db, args[0])
    if value is None:
        return [None] * (len(args) - 1)
    return [value.get(field) for field in args[1:]]


@FAMILY.command(
    "hgetall", 2, "readonly",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output_order",
)
def hgetall(db: Database, args: list[bytes]) -> Reply:
    """Every field and value, flat, in the hash's order."""
    value = _hash(db, args[0])
    if value is None:
        return []
    reply: list[Reply] = []
    for field, item in value.items():
        reply.append(field)
        reply.append(item)
    return reply


@FAMILY.command(
    "hkeys", 2, "readonly",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output_order",
)
def hkeys(db: Database, args: list[bytes]) -> Reply:
    """Every field name."""
    value = _hash(db, args[0])
    return [] if value is None else list(value.order())


@FAMILY.command(
    "hvals", 2, "readonly",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output_order",
)
def hvals(db: Database, args: list[bytes]) -> Reply:
    """Every value."""
    value = _hash(db, args[0])
    return [] if value is None else [item for _, item in value.items()]


@FAMILY.command("hdel", -3, "write fast", keys=[key_at(1, "RW delete")])
def hdel(db: Database, args: list[bytes]) -> Reply:
    """Delete fields; reply with how many existed. The key goes with its last field."""
    value = _hash(db, args[0])
    if value is None:
        return 0
    deleted = sum(value.delete(field) for field in args[1:])
    if deleted:
        _event(db, b"hdel", args[0])
        db.delete_if_empty(args[0], value)
    return deleted


@FAMILY.command("hexists", 3, "readonly fast", keys=[key_at(1, "RO")])
def hexists(db: Database, args: list[bytes]) -> Reply:
    """1 if the field exists, else 0."""
    value = _hash(db, args[0])
    return int(value is not None and args[1] in value)


@FAMILY.command("hlen", 2, "readonly fast", keys=[key_at(1, "RO")])
def hlen(db: Database, args: list[bytes]) -> Reply:
    """The number of fields."""
    value = _hash(db, args[0])
    return 0 if value is None else len(value)


@FAMILY.command("hstrlen", 3, "readonly fast", keys=[key_at(1, "RO")])
def hstrlen(db: Database, args: list[bytes]) -> Reply:
    """The length of a field's value (0 if missing)."""
    value = _hash(db, args[0])
    item = None if value is None else value.get(args[1])
    return 0 if item is None else len(item)


# ---- counters ----------------------------------------------------------------------------


@FAMILY.command("hincrby", 4, "write denyoom fast", keys=[key_at(1, "RW access update")])
def hincrby(db: Database, args: list[bytes]) -> Reply:
    """Add an integer to a field (created as 0); the field keeps its TTL."""
    increment = parse_int(args[2])
    value = _hash(db, args[0])
    current = None if value is None else value.get(args[1])
    old = 0
    if current is not None:
        if not is_int(current):
            raise CommandError("ERR hash value is not an integer")
        old = int(current)
    new = old + increment
    if not INT64_MIN <= new <= INT64_MAX:
        raise CommandError(OVERFLOW)
    db.get_or_create(args[0], HashValue).set(args[1], b"%d" % new, keep_ttl=True)
    _event(db, b"hincrby", args[0])
    return new


@FAMILY.command("hincrbyfloat", 4, "write denyoom fast", keys=[key_at(1, "RW access update")])
def hincrbyfloat(db: Database, args: list[bytes]) -> Reply:
    """Add a float to a field, in long double as Redis does; reply with the new text."""
    increment = longdouble.parse_long_double(args[2])
    if increment is None:
        raise CommandError(NOT_FLOAT)
    if isinstance(increment, float):
        raise CommandError("ERR value is NaN or Infinity")
    value = _hash(db, args[0])
    current = None if value is None else value.get(args[1])
    old: longdouble.LongDouble = Fraction(0)
    if current is not None:
        parsed = longdouble.parse_long_double(current)
        if parsed is None:
            raise CommandError("ERR hash value is not a float")
        old = parsed
    new = longdouble.add(old, increment)
    if new is None:
        raise CommandError("ERR increment would produce NaN or Infinity")
    text = longdouble.format_long_double(new)
    db.get_or_create(args[0], HashValue).set(args[1], text, keep_ttl=True)
    _event(db, b"hincrbyfloat", args[0])
    return text


# ---- random fields and scanning ----------------------------------------------------------


@FAMILY.command(
    "hrandfield", -2, "readonly",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output",
)
def hrandfield(db: Database, args: list[bytes]) -> Reply:
    """Random fields (HRANDFIELD key [count [WITHVALUES]]); a negative count may repeat."""
    if len(args) == 1:
        value = _hash(db, args[0])
        if value is None:
            return None
        fields = list(value.order())
        return fields[db.rng.randrange(len(fields))]
    count = parse_int(args[1])
    if count == INT64_MIN:
        raise CommandError(
            f"ERR value is out of range, value must between {-INT64_MAX} and {INT64_MAX}"
        )
    if len(args) > 3 or (len(args) == 3 and args[2].upper() != b"WITHVALUES"):
        raise CommandError(SYNTAX)
    with_values = len(args) == 3
    if with_values and not -(INT64_MAX // 2) <= count <= INT64_MAX // 2:
        raise CommandError("ERR value is out of range")
    value = _hash(db, args[0])
    if value is None or count == 0:
        return []
    return _flatten(value, _random_fields(db, value, count), with_values)


def _random_fields(db: Database, value: HashValue, count: int) -> list[bytes]:
    fields = list(value.order())
    size = len(fields)
    rng = db.rng
    if count < 0 or count == 1:
        return [fields[rng.randrange(size)] for _ in range(abs(count))]
    if count >= size:
        return fields
    picked = rng.sample(range(size), count)
    if value.is_listpack:  # Redis samples a small hash in its own order
        picked.sort()
    return [fields[i] for i in picked]


def _flatten(value: HashValue, fields: list[bytes], with_values: bool) -> list[Reply]:
    if not with_values:
        return list(fields)
    reply: list[Reply] = []
    for field in fields:
        reply.append(field)
        reply.append(value.fields[field])
    return reply


@FAMILY.command(
    "hscan", -3, "readonly",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output",
)
def hscan(db: Database, args: list[bytes]) -> Reply:
    """Iterate fields: HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]."""
    cursor = parse_cursor(args[1])
    value = _hash(db, args[0])
    if value is None:
        return [b"0", []]
    options = parse_scan_options(args[2:], flags=(b"NOVALUES",))
    pattern, no_values = options.pattern, b"NOVALUES" in options.flags
    next_cursor, fields = collection_page(value, cursor, options.count)
    if pattern is not None:
        regex = compile_glob(pattern)
        fields = [f for f in fields if regex.fullmatch(f) is not None]
    return [str(next_cursor).encode(), _flatten(value, fields, not no_values)]


# ---- field expiration --------------------------------------------------------------------


def _fields(args: Sequence[bytes], at: int, not_positive: str) -> Sequence[bytes]:
    """The ``FIELDS numfields field…`` block whose ``FIELDS`` word is at ``args[at]``."""
    if at >= len(args) or args[at].upper() != b"FIELDS":
        raise CommandError(FIELDS_MISSING)
    if at + 1 >= len(args):
        raise CommandError(not_positive)
    numfields = parse_int(args[at + 1], not_positive)
    if numfields < 1:
        raise CommandError(not_positive)
    fields = args[at + 2 :]
    if numfields != len(fields):
        raise CommandError(NUMFIELDS_MISMATCH)
    return fields


def _expire_time(raw: bytes, *, seconds: bool, base_ms: int, name: str) -> int:
    """``parseExpireTime``: a non-negative integer, in ms from ``base_ms``, within int64."""
    value = parse_int(raw)
    if value < 0:
        raise CommandError("ERR invalid expire time, must be >= 0")
    when = value * 1000 if seconds else value
    when += base_ms
    if when > INT64_MAX:
        raise CommandError(f"ERR invalid expire time in '{name}' command")
    return when


def _set_field_expiry(value: HashValue, field: bytes, when: int, now: int, cond: bytes) -> int:
    """One field of HEXPIRE & co.: -2 missing, 0 condition not met, 1 set, 2 deleted."""
    if field not in value:
        return NO_FIELD
    previous = value.expiry(field)
    if previous is None:
        if cond in (b"XX", b"GT"):  # no TTL counts as infinite: GT can't beat it, LT can
            return CONDITION_NOT_MET
    elif (
        cond == b"NX"
        or (cond == b"GT" and previous >= when)
        or (cond == b"LT" and previous <= when)
    ):
        return CONDITION_NOT_MET
    if when <= now:
        value.delete(field)
        return DELETED
    value.set_expiry(field, when)
    return SET


def _hexpire(db: Database, args: list[bytes], *, seconds: bool, relative: bool, name: str) -> Reply:
    value = _hash(db, args[0])
    when = _expire_time(args[1], seconds=seconds, base_ms=db.now_ms if relative else 0, name=name)
    cond = args[2].upper()
    at = 3 if cond in (b"NX", b"XX", b"GT", b"LT") else 2
    if at == 2:
        cond = b""
    fields = _fields(args, at, NUMFIELDS_EXPIRE)
    if value is None:
        return [NO_FIELD] * len(fields)
    db.member_expiry = True
    results = [_set_field_expiry(value, f, when, db.now_ms, cond) for f in fields]
    _ttl_event(db, args[0], results)
    db.delete_if_empty(args[0], value)
    return list[Reply](results)


@FAMILY.command("hexpire", -6, "write fast", keys=[key_at(1, "RW update")])
def hexpire(db: Database, args: list[bytes]) -> Reply:
    """Set fields' TTL in seconds: HEXPIRE key seconds [NX|XX|GT|LT] FIELDS n field…"""
    return _hexpire(db, args, seconds=True, relative=True, name="hexpire")


@FAMILY.command("hpexpire", -6, "write fast", keys=[key_at(1, "RW update")])
def hpexpire(db: Database, args: list[bytes]) -> Reply:
    """Set fields' TTL in milliseconds."""
    return _hexpire(db, args, seconds=False, relative=True, name="hpexpire")


@FAMILY.command("hexpireat", -6, "write fast", keys=[key_at(1, "RW update")])
def hexpireat(db: Database, args: list[bytes]) -> Reply:
    """Set fields' expiry as a Unix time in seconds."""
    return _hexpire(db, args, seconds=True, relative=False, name="hexpireat")


@FAMILY.command("hpexpireat", -6, "write fast", keys=[key_at(1, "RW update")])
def hpexpireat(db: Database, args: list[bytes]) -> Reply:
    """Set fields' expiry as a Unix time in milliseconds."""
    return _hexpire(db, args, seconds=False, relative=False, name="hpexpireat")


def _httl(db: Database, args: list[bytes], *, seconds: bool, relative: bool) -> Reply:
    """HTTL rounds a remaining time up, as Redis; HEXPIRETIME's absolute time is floored, as
    Upstash (Redis rounds it up too): deviations.py "hexpiretime-floor"."""
    value = _hash(db, args[0])
    fields = _fields(args, 1, NUMFIELDS_POSITIVE)
    if value is None:
        return [NO_FIELD] * len(fields)
    base = db.now_ms if relative else 0
    reply: list[Reply] = []
    for field in fields:
        if field not in value:
            reply.append(NO_FIELD)
            continue
        when = value.expiry(field)
        if when is None:
            reply.append(NO_TTL)
        else:
            reply.append(_in_unit(when - base, seconds=seconds, round_up=relative))
    return reply


def _in_unit(ms: int, *, seconds: bool, round_up: bool) -> int:
    if not seconds:
        return ms
    return (ms + 999) // 1000 if round_up else ms // 1000


@FAMILY.command(
    "httl", -5, "readonly fast",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output",
)
def httl(db: Database, args: list[bytes]) -> Reply:
    """Fields' remaining TTL in seconds (-1 none, -2 no such field)."""
    return _httl(db, args, seconds=True, relative=True)


@FAMILY.command(
    "hpttl", -5, "readonly fast",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output",
)
def hpttl(db: Database, args: list[bytes]) -> Reply:
    """Fields' remaining TTL in milliseconds."""
    return _httl(db, args, seconds=False, relative=True)


@FAMILY.command("hexpiretime", -5, "readonly fast", keys=[key_at(1, "RO access")])
def hexpiretime(db: Database, args: list[bytes]) -> Reply:
    """Fields' expiry as a Unix time in seconds."""
    return _httl(db, args, seconds=True, relative=False)


@FAMILY.command("hpexpiretime", -5, "readonly fast", keys=[key_at(1, "RO access")])
def hpexpiretime(db: Database, args: list[bytes]) -> Reply:
    """Fields' expiry as a Unix time in milliseconds."""
    return _httl(db, args, seconds=False, relative=False)


@FAMILY.command("hpersist", -5, "write fast", keys=[key_at(1, "RW update")])
def hpersist(db: Database, args: list[bytes]) -> Reply:
    """Remove fields' TTL: 1 removed, -1 had none, -2 no such field."""
    value = _hash(db, args[0])
    fields = _fields(args, 1, NUMFIELDS_POSITIVE)
    if value is None:
        return [NO_FIELD] * len(fields)
    results: list[int] = []
    for field in fields:
        if field not in value:
            results.append(NO_FIELD)
        else:
            results.append(SET if value.persist(field) else NO_TTL)
    _ttl_event(db, args[0], results, persist=True)
    return list[Reply](results)


# ---- HGETDEL / HGETEX / HSETEX (Redis 8.0) -----------------------------------------------


@FAMILY.command("hgetdel", -5, "write fast", keys=[key_at(1, "RW access delete")])
def hgetdel(db: Database, args: list[bytes]) -> Reply:
    """Get and delete fields: HGETDEL key FIELDS n field…"""
    value = _hash(db, args[0])
    fields = _fields(args, 1, NUMFIELDS_POSITIVE)
    if value is None:
        return [None] * len(fields)
    reply: list[Reply] = []
    for field in fields:
        item = value.get(field)
        reply.append(item)
        if item is not None:
            value.delete(field)
    if any(item is not None for item in reply):
        _event(db, b"hdel", args[0])
        db.delete_if_empty(args[0], value)
    return reply


#: HGETEX/HSETEX expiry options: word → (in seconds?, relative to now?).
_TIME_WORDS = {
    b"EX": (True, True),
    b"PX": (False, True),
    b"EXAT": (True, False),
    b"PXAT": (False, False),
}


@FAMILY.command("hgetex", -5, "write fast", keys=[key_at(1, "RW access update")])
def hgetex(db: Database, args: list[bytes]) -> Reply:
    """Get fields and set or drop their TTL: HGETEX key [EX|PX|EXAT|PXAT t|PERSIST] FIELDS n f…"""
    value = _hash(db, args[0])
    option = args[1].upper()
    when: int | None = None
    at = 1
    if option in _TIME_WORDS:
        seconds, relative = _TIME_WORDS[option]
        base = db.now_ms if relative else 0
        when = _expire_time(args[2], seconds=seconds, base_ms=base, name="hgetex")
        at = 3
    elif option == b"PERSIST":
        at = 2
    fields = _fields(args, at, NUMFIELDS_POSITIVE)
    if value is None:
        return [None] * len(fields)
    reply: list[Reply] = []
    results: list[int] = []
    for field in fields:
        item = value.get(field)
        reply.append(item)
        if item is None:
            continue
        if when is not None:
            db.member_expiry = True
            results.append(_set_field_expiry(value, field, when, db.now_ms, b""))
        elif option == b"PERSIST":
            results.append(SET if value.persist(field) else NO_TTL)
    _ttl_event(db, args[0], results, persist=option == b"PERSIST")
    db.delete_if_empty(args[0], value)
    return reply


def _hsetex_options(
    db: Database, args: list[bytes]
) -> tuple[bytes, bytes, int | None, Sequence[bytes]]:
    """(FNX/FXX or b"", EX… word or KEEPTTL or b"", expiry ms, field/value pairs)."""
    condition = b""
    expiration = b""
    when: int | None = None
    i = 1
    while i < len(args):
        word = args[i].upper()
        if word == b"FIELDS":
            return condition, expiration, when, _hsetex_pairs(args, i)
        if word in _TIME_WORDS or word == b"KEEPTTL":
            if expiration:
                raise CommandError(
                    "ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"
                )
            expiration = word
            if word != b"KEEPTTL":
                if i + 1 >= len(args):
                    raise CommandError("ERR missing expire time")
                seconds, relative = _TIME_WORDS[word]
                base = db.now_ms if relative else 0
                when = _expire_time(args[i + 1], seconds=seconds, base_ms=base, name="hsetex")
                i += 1
        elif word in (b"FNX", b"FXX"):
            if condition:
                raise CommandError("ERR Only one of FXX or FNX arguments can be specified")
            condition = word
        else:
            raise CommandError(f"ERR unknown argument: {args[i].decode('utf-8', 'replace')}")
        i += 1
    raise WrongArity("hsetex")


def _hsetex_pairs(args: list[bytes], at: int) -> Sequence[bytes]:
    if at >= len(args) - 3:
        raise WrongArity("hsetex")
    numfields = parse_int(args[at + 1], "ERR invalid number of fields")
    if not 1 <= numfields <= 2**31 - 1:
        raise CommandError("ERR invalid number of fields")
    pairs = args[at + 2 :]
    if len(pairs) % 2 or numfields != len(pairs) // 2:
        raise WrongArity("hsetex")
    return pairs


@FAMILY.command("hsetex", -6, "write denyoom fast", keys=[key_at(1, "RW update")])
def hsetex(db: Database, args: list[bytes]) -> Reply:
    """Set fields and their TTL: HSETEX key [FNX|FXX] [EX|PX|EXAT|PXAT t|KEEPTTL] FIELDS n f v…"""
    condition, expiration, when, pairs = _hsetex_options(db, args)
    value = _hash(db, args[0])
    if value is None:
        if condition == b"FXX":
            return 0
        value = db.get_or_create(args[0], HashValue)
    fields = pairs[0::2]
    if condition == b"FXX" and not all(f in value for f in fields):
        return 0
    if condition == b"FNX" and any(f in value for f in fields):
        return 0
    results: list[int] = []
    for field, item in zip(fields, pairs[1::2]):
        value.set(field, item, keep_ttl=bool(expiration))
        if when is not None:
            db.member_expiry = True
            results.append(_set_field_expiry(value, field, when, db.now_ms, b""))
    _event(db, b"hset", args[0])
    _ttl_event(db, args[0], results)
    db.delete_if_empty(args[0], value)
    return 1
