"""List commands: pushes, pops, ranges, LPOS, LMOVE, LMPOP (Redis 7.0 ``t_list.c``).

The blocking forms (BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP) are not registered: Upstash's
REST API does not offer them, so they get its "Command is not available" reply.
"""

from __future__ import annotations

from typing import Sequence

from fakestash._engine.args import INT64_MAX, INT64_MIN, parse_int
from fakestash._engine.database import Database
from fakestash._engine.family import Family
from fakestash._engine.keyspec import key_at, key_count, key_range
from fakestash._engine.notify import LIST, emit
from fakestash._engine.replies import OK, Reply
from fakestash._engine.values.list import ListValue
from fakestash._errors import NO_SUCH_KEY, SYNTAX, CommandError, WrongArity

FAMILY = Family("lists", group="list", category="list", values=[ListValue])

# Blocking commands: Upstash serves them over TCP only ("not available" over REST).
_BLOCKING = "blocking: not over REST"
_POP = [key_range(1, "RW access delete", last=-2)]
_MOVE = [key_at(1, "RW access delete"), key_at(2, "RW insert")]
FAMILY.declare("blpop", -3, "write blocking", keys=_POP, rest="tcp", note=_BLOCKING)
FAMILY.declare("brpop", -3, "write blocking", keys=_POP, rest="tcp", note=_BLOCKING)
FAMILY.declare("brpoplpush", 4, "write denyoom blocking", keys=_MOVE, rest="tcp", note=_BLOCKING)
FAMILY.declare("blmove", 6, "write denyoom blocking", keys=_MOVE, rest="tcp", note=_BLOCKING)
FAMILY.declare(
    "blmpop", -5, "write blocking", keys=[key_count(2, "RW access delete")], rest="tcp",
    note=_BLOCKING,
)

MUST_BE_POSITIVE = "ERR value is out of range, must be positive"
OUT_OF_LONG_RANGE = f"ERR value is out of range, value must between {-INT64_MAX} and {INT64_MAX}"
LEFT = b"LEFT"
RIGHT = b"RIGHT"


def _list(db: Database, key: bytes) -> ListValue | None:
    return db.get(key, ListValue)


def _positive(raw: bytes, error: str, *, low: int = 0) -> int:
    """``getRangeLongFromObjectOrReply(low, LONG_MAX, msg)``: any failure replies ``msg``."""
    value = parse_int(raw, error)
    if value < low:
        raise CommandError(error)
    return value


def _event(db: Database, event: bytes, key: bytes) -> None:
    if db.notify_flags:
        emit(db, LIST, event, key)


def _popped(db: Database, side: bytes, key: bytes, value: ListValue) -> None:
    """After a pop: the ``lpop``/``rpop`` event, then ``del`` if the list went empty."""
    _event(db, b"lpop" if side == LEFT else b"rpop", key)
    db.delete_if_empty(key, value)


def _side(raw: bytes) -> bytes:
    """LEFT or RIGHT (any case); anything else is a syntax error."""
    side = raw.upper()
    if side not in (LEFT, RIGHT):
        raise CommandError(SYNTAX)
    return side


# ---- push --------------------------------------------------------------------------------


def _push(db: Database, args: list[bytes], side: bytes, *, only_existing: bool) -> int:
    if only_existing:
        value = _list(db, args[0])
        if value is None:
            return 0
    else:
        value = db.get_or_create(args[0], ListValue)
    if side == LEFT:
        value.extendleft(args[1:])
    else:
        value.extend(args[1:])
    _event(db, b"lpush" if side == LEFT else b"rpush", args[0])
    return len(value)


@FAMILY.command("lpush", -3, "write denyoom fast", keys=[key_at(1, "RW insert")])
def lpush(db: Database, args: list[bytes]) -> Reply:
    """Push elements at the head (the last one given ends up first); reply the new length."""
    return _push(db, args, LEFT, only_existing=False)


@FAMILY.command("rpush", -3, "write denyoom fast", keys=[key_at(1, "RW insert")])
def rpush(db: Database, args: list[bytes]) -> Reply:
    """Push elements at the tail; reply the new length."""
    return _push(db, args, RIGHT, only_existing=False)


@FAMILY.command("lpushx", -3, "write denyoom fast", keys=[key_at(1, "RW insert")])
def lpushx(db: Database, args: list[bytes]) -> Reply:
    """LPUSH only if the list exists (else 0)."""
    return _push(db, args, LEFT, only_existing=True)


@FAMILY.command("rpushx", -3, "write denyoom fast", keys=[key_at(1, "RW insert")])
def rpushx(db: Database, args: list[bytes]) -> Reply:
    """RPUSH only if the list exists (else 0)."""
    return _push(db, args, RIGHT, only_existing=True)


# ---- pop ---------------------------------------------------------------------------------


def _take(value: ListValue, side: bytes, count: int) -> list[bytes]:
    pop = value.popleft if side == LEFT else value.pop
    return [pop() for _ in range(min(count, len(value)))]


def _pop(db: Database, args: list[bytes], side: bytes, name: str) -> Reply:
    if len(args) > 2:
        raise WrongArity(name)
    count = _positive(args[1], MUST_BE_POSITIVE) if len(args) == 2 else None
    value = _list(db, args[0])
    if value is None:
        return None
    items = _take(value, side, 1 if count is None else count)
    if items:
        _popped(db, side, args[0], value)
    return items[0] if count is None else list(items)


@FAMILY.command("lpop", -2, "write fast", keys=[key_at(1, "RW access delete")])
def lpop(db: Database, args: list[bytes]) -> Reply:
    """Pop from the head: one element, or up to ``count`` as an array."""
    return _pop(db, args, LEFT, "lpop")


@FAMILY.command("rpop", -2, "write fast", keys=[key_at(1, "RW access delete")])
def rpop(db: Database, args: list[bytes]) -> Reply:
    """Pop from the tail: one element, or up to ``count`` as an array."""
    return _pop(db, args, RIGHT, "rpop")


@FAMILY.command("lmpop", -4, "write", keys=[key_count(1, "RW access delete")])
def lmpop(db: Database, args: list[bytes]) -> Reply:
    """Pop from the first non-empty list: LMPOP numkeys key… LEFT|RIGHT [COUNT n]."""
    numkeys = _positive(args[0], "ERR numkeys should be greater than 0", low=1)
    where_at = numkeys + 1
    if where_at >= len(args):
        raise CommandError(SYNTAX)
    side = _side(args[where_at])
    count: int | None = None
    i = where_at + 1
    while i < len(args):
        if count is None and args[i].upper() == b"COUNT" and i + 1 < len(args):
            count = _positive(args[i + 1], "ERR count should be greater than 0", low=1)
            i += 2
        else:
            raise CommandError(SYNTAX)
    for key in args[1:where_at]:
        value = _list(db, key)
        if value is not None:
            items = _take(value, side, count or 1)
            _popped(db, side, key, value)
            return [key, list(items)]
    return None


# ---- move --------------------------------------------------------------------------------


def _move(db: Database, source: bytes, dest: bytes, src_side: bytes, dst_side: bytes) -> Reply:
    value = _list(db, source)
    if value is None:
        return None
    target = _list(db, dest)  # WRONGTYPE before anything moves
    item = value.popleft() if src_side == LEFT else value.pop()
    if target is None:
        target = ListValue()
        db.put(dest, target)
    if dst_side == LEFT:
        target.appendleft(item)
    else:
        target.append(item)
    # Redis' order: the push (and the new key), then the pop and the source's deletion
    _event(db, b"lpush" if dst_side == LEFT else b"rpush", dest)
    _popped(db, src_side, source, value)
    return item


@FAMILY.command(
    "lmove", 5, "write denyoom",
    keys=[key_at(1, "RW access delete"), key_at(2, "RW insert")],
)
def lmove(db: Database, args: list[bytes]) -> Reply:
    """Pop from one end of a list, push to an end of another (or the same) list."""
    wherefrom = _side(args[2])
    whereto = _side(args[3])
    return _move(db, args[0], args[1], wherefrom, whereto)


@FAMILY.command(
    "rpoplpush", 3, "write denyoom",
    keys=[key_at(1, "RW access delete"), key_at(2, "RW insert")],
)
def rpoplpush(db: Database, args: list[bytes]) -> Reply:
    """Pop the tail of one list and push it at the head of another (LMOVE … RIGHT LEFT)."""
    return _move(db, args[0], args[1], RIGHT, LEFT)


# ---- read --------------------------------------------------------------------------------


@FAMILY.command("llen", 2, "readonly fast", keys=[key_at(1, "RO")])
def llen(db: Database, args: list[bytes]) -> Reply:
    """The length of a list (0 if missing)."""
    value = _list(db, args[0])
    return 0 if value is None else len(value)


@FAMILY.command("lrange", 4, "readonly", keys=[key_at(1, "RO access")])
def lrange(db: Database, args: list[bytes]) -> Reply:
    """Elements from start to stop, inclusive; negative indexes count from the tail."""
    start = parse_int(args[1])
    stop = parse_int(args[2])
    value = _list(db, args[0])
    if value is None:
        return []
    first, last = value.span(start, stop)
    return list(value.slice(first, last))


@FAMILY.command("lindex", 3, "readonly", keys=[key_at(1, "RO access")])
def lindex(db: Database, args: list[bytes]) -> Reply:
    """The element at an index, or nil if out of range."""
    value = _list(db, args[0])
    if value is None:
        return None
    index = value.normalise(parse_int(args[1]))
    return value[index] if 0 <= index < len(value) else None


@FAMILY.command("lpos", -3, "readonly", keys=[key_at(1, "RO access")])
def lpos(db: Database, args: list[bytes]) -> Reply:
    """Index(es) of an element: LPOS key element [RANK r] [COUNT n] [MAXLEN len]."""
    rank, count, maxlen = _lpos_options(args[2:])
    value = _list(db, args[0])
    if value is None:
        return [] if count is not None else None
    found = _lpos_scan(value, args[1], rank, 1 if count is None else count, maxlen)
    if count is not None:
        return list(found)
    return found[0] if found else None


def _lpos_options(options: Sequence[bytes]) -> tuple[int, int | None, int]:
    rank, count, maxlen = 1, None, 0
    i = 0
    while i < len(options):
        word = options[i].upper()
        if i + 1 >= len(options) or word not in (b"RANK", b"COUNT", b"MAXLEN"):
            raise CommandError(SYNTAX)
        raw = options[i + 1]
        if word == b"RANK":
            rank = parse_int(raw)
            if rank == INT64_MIN:  # Redis 7.2+: -LONG_MAX..LONG_MAX (7.0 let it overflow)
                raise CommandError(OUT_OF_LONG_RANGE)
            if rank == 0:
                raise CommandError(
                    "ERR RANK can't be zero: use 1 to start from the first match, "
                    "2 from the second ... or use negative to start from the end of the list"
                )
        elif word == b"COUNT":
            count = _positive(raw, "ERR COUNT can't be negative")
        else:
            maxlen = _positive(raw, "ERR MAXLEN can't be negative")
        i += 2
    return rank, count, maxlen


def _lpos_scan(value: ListValue, element: bytes, rank: int, limit: int, maxlen: int) -> list[int]:
    """Head-based indexes of matches, from the ``rank``-th on, at most ``limit`` (0: all),
    looking at no more than ``maxlen`` elements (0: all)."""
    size = len(value)
    forward = rank > 0
    skip = abs(rank) - 1
    found: list[int] = []
    walk = iter(value) if forward else reversed(value)
    for seen, item in enumerate(walk):
        if maxlen and seen >= maxlen:
            break
        if item != element:
            continue
        if skip:
            skip -= 1
            continue
        found.append(seen if forward else size - 1 - seen)
        if limit and len(found) >= limit:
            break
    return found


# ---- modify ------------------------------------------------------------------------------


@FAMILY.command("lset", 4, "write denyoom", keys=[key_at(1, "RW update")])
def lset(db: Database, args: list[bytes]) -> Reply:
    """Replace the element at an index."""
    value = _list(db, args[0])
    if value is None:
        raise CommandError(NO_SUCH_KEY)
    index = value.normalise(parse_int(args[1]))
    if not 0 <= index < len(value):
        raise CommandError("ERR index out of range")
    value[index] = args[2]
    _event(db, b"lset", args[0])
    return OK


@FAMILY.command("linsert", 5, "write denyoom", keys=[key_at(1, "RW insert")])
def linsert(db: Database, args: list[bytes]) -> Reply:
    """Insert before or after the first occurrence of a pivot; -1 if no pivot, 0 if no key."""
    where = args[1].upper()
    if where not in (b"BEFORE", b"AFTER"):
        raise CommandError(SYNTAX)
    value = _list(db, args[0])
    if value is None:
        return 0
    try:
        index = value.index(args[2])
    except ValueError:
        return -1
    value.insert(index if where == b"BEFORE" else index + 1, args[3])
    _event(db, b"linsert", args[0])
    return len(value)


@FAMILY.command("lrem", 4, "write", keys=[key_at(1, "RW delete")])
def lrem(db: Database, args: list[bytes]) -> Reply:
    """Remove occurrences of an element: count > 0 from the head, < 0 from the tail, 0 all."""
    count = parse_int(args[1])
    value = _list(db, args[0])
    if value is None:
        return 0
    element = args[2]
    limit = abs(count) or len(value)
    kept: list[bytes] = []
    removed = 0
    walk = iter(value) if count >= 0 else reversed(value)
    for item in walk:
        if item == element and removed < limit:
            removed += 1
        else:
            kept.append(item)
    if removed:
        if count < 0:
            kept.reverse()
        value.clear()
        value.extend(kept)
        _event(db, b"lrem", args[0])
        db.delete_if_empty(args[0], value)
    return removed


@FAMILY.command("ltrim", 4, "write", keys=[key_at(1, "RW delete")])
def ltrim(db: Database, args: list[bytes]) -> Reply:
    """Keep only the elements from start to stop, inclusive."""
    start = parse_int(args[1])
    stop = parse_int(args[2])
    value = _list(db, args[0])
    if value is None:
        return OK
    first, last = value.span(start, stop)
    if first > last:
        value.clear()
    elif last - first + 1 < len(value) // 2:
        kept = value.slice(first, last)
        value.clear()
        value.extend(kept)
    else:
        for _ in range(len(value) - 1 - last):
            value.pop()
        for _ in range(first):
            value.popleft()
    _event(db, b"ltrim", args[0])
    db.delete_if_empty(args[0], value)
    return OK
