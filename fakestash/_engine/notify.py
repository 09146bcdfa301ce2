"""Keyspace notifications, as Redis' notify.c: the ``notify-keyspace-events`` classes and
the PUBLISH of every event through the database's broker.

``CONFIG SET notify-keyspace-events KEA`` turns them on (Upstash lets a database set this
one parameter). A command that really modifies a key then calls ``emit``, which publishes
``__keyspace@0__:<key>`` → event and ``__keyevent@0__:<event>`` → key, to whichever of
the two the K and E flags enable, as Redis does. Events, their names and order follow Redis
(checked against a real server in tests/conformance/test_differential_notifications.py).
"""

from __future__ import annotations

from typing import Protocol

from fakestash._engine.broker import Host, broker_of


class Notifier(Host, Protocol):
    """What ``emit`` needs of a database: its broker's host, and its notification classes."""

    notify_flags: int

KEYSPACE = 1 << 0  # K
KEYEVENT = 1 << 1  # E
GENERIC = 1 << 2  # g
STRING = 1 << 3  # $
LIST = 1 << 4  # l
SET = 1 << 5  # s
HASH = 1 << 6  # h
ZSET = 1 << 7  # z
EXPIRED = 1 << 8  # x
EVICTED = 1 << 9  # e
STREAM = 1 << 10  # t
KEY_MISS = 1 << 11  # m (not in A)
MODULE = 1 << 13  # d (RedisJSON's events are module events)
NEW = 1 << 14  # n (not in A)
ALL = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE

_CLASSES = {
    "A": ALL, "g": GENERIC, "$": STRING, "l": LIST, "s": SET, "h": HASH, "z": ZSET,
    "x": EXPIRED, "e": EVICTED, "K": KEYSPACE, "E": KEYEVENT, "t": STREAM, "m": KEY_MISS,
    "d": MODULE, "n": NEW,
}  # fmt: skip

#: ``keyspaceEventsFlagsToString``: the order CONFIG GET answers in ("AKE", "gxK"…).
_TYPE_ORDER = (
    (GENERIC, "g"), (STRING, "$"), (LIST, "l"), (SET, "s"), (HASH, "h"), (ZSET, "z"),
    (EXPIRED, "x"), (EVICTED, "e"), (STREAM, "t"), (MODULE, "d"), (NEW, "n"),
)  # fmt: skip

#: Writes whose key lookup is a read in Redis (``lookupKeyRead``): a miss is a "keymiss" as
#: for read commands. Other writes' source keys (COPY, the *STORE commands) send none here.
MISS_ON_WRITE = frozenset({"getex", "getdel"})

INVALID_CLASS = (
    "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
    "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
)


def parse_flags(text: str) -> int | None:
    """``keyspaceEventsStringToFlags``: the flags, or None for an unknown character."""
    flags = 0
    for char in text:
        bit = _CLASSES.get(char)
        if bit is None:
            return None
        flags |= bit
    return flags


def flags_to_string(flags: int) -> str:
    """What CONFIG GET shows: "A" for every class of A (then "n" is not shown, as in
    Redis), else the classes one by one; then K, E and m."""
    out = "A" if flags & ALL == ALL else "".join(c for bit, c in _TYPE_ORDER if flags & bit)
    for bit, char in ((KEYSPACE, "K"), (KEYEVENT, "E"), (KEY_MISS, "m")):
        if flags & bit:
            out += char
    return out


def emit(db: Notifier, kind: int, event: bytes, key: bytes) -> None:
    """``notifyKeyspaceEvent``: publish ``event`` about ``key`` if its class is enabled."""
    flags = db.notify_flags
    if not flags & kind or not flags & (KEYSPACE | KEYEVENT):
        return
    broker = broker_of(db)
    if flags & KEYSPACE:
        broker.publish(b"__keyspace@0__:" + key, event)
    if flags & KEYEVENT:
        broker.publish(b"__keyevent@0__:" + event, key)
