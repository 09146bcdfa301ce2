"""Set commands (SADD … SSCAN), on the set value of ``fakestash/_engine/values/set.py``
(whose member order is Redis 7.2+'s, without Python's ``hash()``).

Random picks (SPOP, SRANDMEMBER) come from the server's seeded ``db.rng`` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from fakestash._engine import hll
from fakestash._engine.args import parse_int
from fakestash._engine.family import Family
from fakestash._engine.glob import compile_glob
from fakestash._engine.keyspec import key_at, key_count, key_range
from fakestash._engine.notify import GENERIC, SET, emit
from fakestash._engine.replies import Reply
from fakestash._engine.scan import collection_page, parse_cursor, parse_scan_options
from fakestash._engine.values.set import RedisSet
from fakestash._errors import SYNTAX, CommandError, WrongType

if TYPE_CHECKING:
    from fakestash._engine.database import Database

FAMILY = Family("sets", group="set", category="set", values=[RedisSet])

NUMKEYS_POSITIVE = "ERR numkeys should be greater than 0"
LIMIT_NEGATIVE = "ERR LIMIT can't be negative"
MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
LONG_MAX = 2**63 - 1


# ---- helpers shared with the sorted-set commands -----------------------------------------


def matches(pattern: bytes | None, member: bytes) -> bool:
    if pattern is None or pattern == b"*":
        return True
    return compile_glob(pattern).fullmatch(member) is not None


def parse_numkeys(raw: bytes, error: str = NUMKEYS_POSITIVE) -> int:
    """Redis' getRangeLongFromObjectOrReply(1, LONG_MAX) with a custom text for both faults."""
    try:
        value = parse_int(raw)
    except CommandError:
        raise CommandError(error) from None
    if value < 1:
        raise CommandError(error)
    return value


def parse_limit(raw: bytes) -> int:
    """SINTERCARD/ZINTERCARD LIMIT: a non-negative integer, 0 meaning none."""
    try:
        value = parse_int(raw)
    except CommandError:
        raise CommandError(LIMIT_NEGATIVE) from None
    if value < 0:
        raise CommandError(LIMIT_NEGATIVE)
    return value


def parse_positive(raw: bytes) -> int:
    """getPositiveLongFromObjectOrReply: one text for "not a number" and "negative"."""
    try:
        value = parse_int(raw)
    except CommandError:
        raise CommandError(MUST_BE_POSITIVE) from None
    if value < 0:
        raise CommandError(MUST_BE_POSITIVE)
    return value


def parse_random_count(raw: bytes) -> int:
    """SRANDMEMBER/ZRANDMEMBER/HRANDFIELD count: -LONG_MAX … LONG_MAX."""
    value = parse_int(raw)
    if value < -LONG_MAX:
        raise CommandError(
            f"ERR value is out of range, value must between {-LONG_MAX} and {LONG_MAX}"
        )
    return value


# ---- single-set commands -------------------------------------------------------------------


def _read(db: Database, key: bytes) -> RedisSet | None:
    return db.get(key, RedisSet)


@FAMILY.command("sadd", -3, "write denyoom fast", keys=[key_at(1, "RW insert")])
def sadd(db: Database, args: list[bytes]) -> Reply:
    """Add members to a set; the number newly added."""
    value = db.get_or_create(args[0], RedisSet)
    added = sum(value.add(member) for member in args[1:])
    if added:
        _event(db, b"sadd", args[0])
    return added


def _event(db: Database, event: bytes, key: bytes) -> None:
    if db.notify_flags:
        emit(db, SET, event, key)


@FAMILY.command("srem", -3, "write fast", keys=[key_at(1, "RW delete")])
def srem(db: Database, args: list[bytes]) -> Reply:
    """Remove members from a set; the number removed."""
    value = _read(db, args[0])
    if value is None:
        return 0
    removed = sum(value.remove(member) for member in args[1:])
    if removed:
        _event(db, b"srem", args[0])
        db.delete_if_empty(args[0], value)
    return removed


@FAMILY.command(
    "smembers", 2, "readonly",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output_order",
)
def smembers(db: Database, args: list[bytes]) -> Reply:
    """All members of a set."""
    value = _read(db, args[0])
    return [] if value is None else list(value)


@FAMILY.command("sismember", 3, "readonly fast", keys=[key_at(1, "RO")])
def sismember(db: Database, args: list[bytes]) -> Reply:
    """1 if the member is in the set, else 0."""
    value = _read(db, args[0])
    return int(value is not None and args[1] in value)


@FAMILY.command("smismember", -3, "readonly fast", keys=[key_at(1, "RO access")])
def smismember(db: Database, args: list[bytes]) -> Reply:
    """SISMEMBER for each member given."""
    value = _read(db, args[0])
    return [int(value is not None and m in value) for m in args[1:]]


@FAMILY.command("scard", 2, "readonly fast", keys=[key_at(1, "RO")])
def scard(db: Database, args: list[bytes]) -> Reply:
    """The number of members."""
    value = _read(db, args[0])
    return 0 if value is None else len(value)


@FAMILY.command(
    "spop", -2, "write fast",
    keys=[key_at(1, "RW access delete")],
    tips="nondeterministic_output",
)
def spop(db: Database, args: list[bytes]) -> Reply:
    """Remove and return one random member, or COUNT distinct ones."""
    if len(args) > 2:
        raise CommandError(SYNTAX)
    if len(args) == 1:
        value = _read(db, args[0])
        if value is None:
            return None
        member = value.random_member(db.rng)
        value.remove(member)
        _event(db, b"spop", args[0])
        db.delete_if_empty(args[0], value)
        return member
    count = parse_positive(args[1])
    value = _read(db, args[0])
    if value is None or count == 0:
        return []
    _event(db, b"spop", args[0])
    if count >= len(value):
        popped: list[Reply] = list(value)
        db.delete(args[0])
        if db.notify_flags:
            emit(db, GENERIC, b"del", args[0])
        return popped
    taken: list[Reply] = []
    for _ in range(count):
        member = value.random_member(db.rng)
        value.remove(member)
        taken.append(member)
    return taken


@FAMILY.command(
    "srandmember", -2, "readonly",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output",
)
def srandmember(db: Database, args: list[bytes]) -> Reply:
    """Random members: COUNT > 0 distinct, COUNT < 0 with repeats."""
    if len(args) > 2:
        raise CommandError(SYNTAX)
    if len(args) == 1:
        value = _read(db, args[0])
        return None if value is None else value.random_member(db.rng)
    count = parse_random_count(args[1])
    value = _read(db, args[0])
    if value is None or count == 0:
        return []
    if count < 0:
        return [value.random_member(db.rng) for _ in range(-count)]
    if count == 1:
        return [value.random_member(db.rng)]
    if count >= len(value):
        return list(value)
    return list(value.random_distinct(db.rng, count))


@FAMILY.command(
    "smove", 4, "write fast",
    keys=[key_at(1, "RW access delete"), key_at(2, "RW insert")],
)
def smove(db: Database, args: list[bytes]) -> Reply:
    """Move a member from one set to another; 1 if it moved."""
    src_key, dst_key, member = args
    src = db.lookup(src_key)
    dst = db.lookup(dst_key)
    if src is None:
        return 0
    if type(src) is not RedisSet or (dst is not None and type(dst) is not RedisSet):
        raise WrongType()
    if src is dst:
        return int(member in src)
    if not src.remove(member):
        return 0
    _event(db, b"srem", src_key)
    db.delete_if_empty(src_key, src)
    if dst is None:
        dst = RedisSet()
        db.put(dst_key, dst)
    if dst.add(member):
        _event(db, b"sadd", dst_key)
    return 1


@FAMILY.command(
    "sscan", -3, "readonly",
    keys=[key_at(1, "RO access")],
    tips="nondeterministic_output",
)
def sscan(db: Database, args: list[bytes]) -> Reply:
    """Iterate a set's members: cursor, MATCH pattern, COUNT."""
    cursor = parse_cursor(args[1])
    value = _read(db, args[0])
    if value is None:
        return [b"0", []]
    options = parse_scan_options(args[2:])
    next_cursor, page = collection_page(value, cursor, options.count)
    return [str(next_cursor).encode(), [m for m in page if matches(options.pattern, m)]]


# ---- multi-set algebra ---------------------------------------------------------------------


def _read_all(db: Database, keys: Sequence[bytes]) -> list[RedisSet | None]:
    """Every key's set (None if missing); WRONGTYPE if any holds another type."""
    return [db.get(key, RedisSet) for key in keys]


def intersection(sets: list[RedisSet | None], limit: int = 0) -> list[bytes]:
    """Members in every set, in the order of the smallest set (Redis' algorithm)."""
    if any(s is None for s in sets):
        return []
    ordered = sorted((s for s in sets if s is not None), key=len)
    first, rest = ordered[0], ordered[1:]
    out: list[bytes] = []
    for member in first:
        if all(member in other for other in rest):
            out.append(member)
            if limit and len(out) >= limit:
                break
    return out


def union(sets: list[RedisSet | None]) -> RedisSet:
    result = RedisSet()
    for s in sets:
        if s is not None:
            for member in s:
                result.add(member)
    return result


def difference(sets: list[RedisSet | None]) -> RedisSet:
    result = RedisSet()
    first = sets[0]
    if first is None or any(s is first for s in sets[1:]):
        return result
    others = [s for s in sets[1:] if s is not None]
    for member in first:
        if not any(member in other for other in others):
            result.add(member)
    return result


def _store(db: Database, key: bytes, result: RedisSet, event: bytes) -> Reply:
    """Store a result (an empty one deletes the key, a ``del`` event if it existed)."""
    if result:
        db.put(key, result)
        _event(db, event, key)
    elif db.delete(key) and db.notify_flags:
        emit(db, GENERIC, b"del", key)
    return len(result)


@FAMILY.command(
    "sinter", -2, "readonly",
    keys=[key_range(1, "RO access")],
    tips="nondeterministic_output_order",
)
def sinter(db: Database, args: list[bytes]) -> Reply:
    """Members present in every given set."""
    return list(intersection(_read_all(db, args)))


@FAMILY.command(
    "sinterstore", -3, "write denyoom",
    keys=[key_at(1, "OW update"), key_range(2, "RO access")],
)
def sinterstore(db: Database, args: list[bytes]) -> Reply:
    """SINTER into a destination key; its size."""
    return _store(
        db, args[0], RedisSet(intersection(_read_all(db, args[1:]))), b"sinterstore"
    )


def _card_args(
    args: list[bytes], flags: Sequence[bytes] = ()
) -> tuple[list[bytes], int, set[bytes]]:
    """``numkeys key… [LIMIT n] [flag…]`` as SINTERCARD reads it: the keys, the limit (0:
    none) and the flags given."""
    numkeys = parse_numkeys(args[0])
    if numkeys > len(args) - 1:
        raise CommandError("ERR Number of keys can't be greater than number of args")
    limit, given = 0, set()
    i = 1 + numkeys
    while i < len(args):
        word = args[i].upper()
        if word == b"LIMIT" and i + 1 < len(args):
            limit = parse_limit(args[i + 1])
            i += 2
        elif word in flags:
            given.add(word)
            i += 1
        else:
            raise CommandError(SYNTAX)
    return list(args[1 : 1 + numkeys]), limit, given


@FAMILY.command("sintercard", -3, "readonly", keys=[key_count(1, "RO access")])
def sintercard(db: Database, args: list[bytes]) -> Reply:
    """The size of the intersection, counting up to LIMIT."""
    keys, limit, _ = _card_args(args)
    return len(intersection(_read_all(db, keys), limit))


@FAMILY.command(
    "sdiffcard", -3, "readonly",
    keys=[key_count(1, "RO access")],
    note="listed in Upstash's docs after the 8.2 compatibility table",
)
def sdiffcard(db: Database, args: list[bytes]) -> Reply:
    """The size of the difference (first set minus the others), counting up to LIMIT."""
    keys, limit, _ = _card_args(args)
    sets = _read_all(db, keys)
    first = sets[0]
    if first is None or any(s is first for s in sets[1:]):
        return 0
    others = [s for s in sets[1:] if s is not None]
    count = 0
    for member in first:
        if not any(member in other for other in others):
            count += 1
            if count == limit:
                break
    return count


@FAMILY.command(
    "sunioncard", -3, "readonly",
    keys=[key_count(1, "RO access")],
    note="listed in Upstash's docs after the 8.2 compatibility table",
)
def sunioncard(db: Database, args: list[bytes]) -> Reply:
    """The size of the union, counting up to LIMIT; APPROX estimates it with a HyperLogLog."""
    keys, limit, flags = _card_args(args, flags=(b"APPROX",))
    sets = [s for s in _read_all(db, keys) if s is not None]
    if b"APPROX" in flags:
        count = _union_estimate(sets)
        return min(count, limit) if limit else count
    seen: dict[bytes, None] = {}
    for s in sets:
        for member in s:
            if member not in seen:
                seen[member] = None
                if len(seen) == limit:
                    return limit
    return len(seen)


def _union_estimate(sets: list[RedisSet]) -> int:
    """PFCOUNT of a HyperLogLog fed every member (Redis' registers and estimator)."""
    registers = bytearray(hll.REGISTERS)
    for s in sets:
        for member in s:
            index, count = hll.pattern(member)
            if count > registers[index]:
                registers[index] = count
    return hll.estimate(hll.histogram_of_raw(bytes(registers)))


@FAMILY.command(
    "sunion", -2, "readonly",
    keys=[key_range(1, "RO access")],
    tips="nondeterministic_output_order",
)
def sunion(db: Database, args: list[bytes]) -> Reply:
    """Members of any given set."""
    return list(union(_read_all(db, args)))


@FAMILY.command(
    "sunionstore", -3, "write denyoom",
    keys=[key_at(1, "OW update"), key_range(2, "RO access")],
)
def sunionstore(db: Database, args: list[bytes]) -> Reply:
    """SUNION into a destination key; its size."""
    return _store(db, args[0], union(_read_all(db, args[1:])), b"sunionstore")


@FAMILY.command(
    "sdiff", -2, "readonly",
    keys=[key_range(1, "RO access")],
    tips="nondeterministic_output_order",
)
def sdiff(db: Database, args: list[bytes]) -> Reply:
    """Members of the first set that are in none of the others."""
    return list(difference(_read_all(db, args)))


@FAMILY.command(
    "sdiffstore", -3, "write denyoom",
    keys=[key_at(1, "OW update"), key_range(2, "RO access")],
)
def sdiffstore(db: Database, args: list[bytes]) -> Reply:
    """SDIFF into a destination key; its size."""
    return _store(db, args[0], difference(_read_all(db, args[1:])), b"sdiffstore")
