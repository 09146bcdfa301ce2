"""What a Redis string holds beyond its bytes that Redis' HyperLogLog code can see.

Redis keeps a string value in an sds buffer: the bytes, then a terminator byte, then unused
room. ``hyperloglog.c`` reads past the end of a sparse body that ends inside an XZERO
opcode (its second byte is the terminator) and, splitting that opcode, leaves the last
byte of the new opcodes in the terminator's place. Redis 7.2+ also reallocates the buffer
before a sparse update when fewer than 3 bytes are free (``sdsResize``, which zeroes the
terminator). So two facts the bytes do not show change what a later PFADD/PFCOUNT/PFMERGE
answers: the byte after the string, and the allocation.

fakestash stores a string as plain ``bytes``; these facts are kept per database and key,
for the very ``bytes`` object they describe (HLL values only: strings starting ``HYLL``).
A value they do not describe has a zero terminator and the allocation ``sdsnewlen`` gives
its length (what SET, a new SETRANGE or APPEND, and RESTORE make). An in-place SETRANGE
keeps both; APPEND and a growing SETRANGE keep the allocation when it has room and
otherwise grow it as ``sdsMakeRoomFor`` does (twice the length, rounded up to jemalloc's
size classes), and zero the terminator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from fakestash._engine.database import Database

_EXTENSION = "sds-hidden"


class Hidden(NamedTuple):
    #: The byte after the string (the sds terminator); 0 unless hyperloglog.c wrote it.
    tail: int = 0
    #: ``sdsalloc``; None: what ``sdsnewlen`` allocates for the value's length.
    alloc: int | None = None


NOTHING = Hidden()


def _table(db: Database) -> dict[bytes, tuple[bytes, Hidden]]:
    table: dict[bytes, tuple[bytes, Hidden]] = db.extension(_EXTENSION, dict)
    return table


def hidden(db: Database, key: bytes, value: bytes) -> Hidden:
    """What is known beyond the bytes of ``value``, the string stored at ``key``."""
    entry = _table(db).get(key)
    if entry is None or entry[0] is not value:
        return NOTHING
    return entry[1]


def keep(db: Database, key: bytes, value: bytes, facts: Hidden) -> None:
    """``value`` was just stored at ``key`` with these facts."""
    table = _table(db)
    if facts == NOTHING:
        table.pop(key, None)
    else:
        table[key] = (value, facts)


def carry(db: Database, key: bytes, old: bytes, new: bytes) -> None:
    """``new`` replaced ``old`` at ``key`` by an in-place write (same buffer in Redis)."""
    table = _table(db)
    entry = table.get(key)
    if entry is not None:
        if entry[0] is old:
            table[key] = (new, entry[1])
        else:
            del table[key]


def grew(db: Database, key: bytes, old: bytes, new: bytes) -> None:
    """``new`` (longer) replaced ``old`` at ``key`` by an append (APPEND, a growing
    SETRANGE): ``sdsMakeRoomFor`` then a fresh terminator."""
    if not new.startswith(b"HYLL"):
        _table(db).pop(key, None)
        return
    alloc = hidden(db, key, old).alloc
    if alloc is None:
        alloc = new_alloc(len(old))
    if alloc - len(old) < len(new) - len(old):
        alloc = grown_alloc(2 * len(new) if len(new) < _MAX_PREALLOC else len(new) + _MAX_PREALLOC)
    keep(db, key, new, Hidden(0, alloc))


# ---- sds allocation sizes (Redis 7+: the allocator's usable size is recorded) ----------

_MAX_PREALLOC = 1024 * 1024  # SDS_MAX_PREALLOC


def size_class(size: int) -> int:
    """jemalloc's size class for a request, as Redis builds it (``--with-lg-quantum=3``):
    multiples of 8 up to 64, then four classes per doubling."""
    if size <= 8:
        return 8
    spacing = max(8, 1 << ((size - 1).bit_length() - 3))
    return -(-size // spacing) * spacing


_HEADERS = ((3, 255), (5, 65535), (9, 2**32 - 1))  # sds types 8, 16, 32: header, max alloc


def grown_alloc(length: int) -> int:
    """The alloc of an sds (re)allocated for ``length`` bytes that may grow (never type 5):
    ``sdsMakeRoomFor`` and ``sdsResize(…, would_regrow=1)``. Redis 8 records the
    allocator's usable size, moving to a larger header type when it does not fit
    (``adjustTypeIfNeeded``)."""
    at = next(i for i, (_, largest) in enumerate(_HEADERS) if length <= largest)
    header, largest = _HEADERS[at]
    block = size_class(header + length + 1)
    while block - header - 1 > largest and at + 1 < len(_HEADERS):
        at += 1
        header, largest = _HEADERS[at]
    return block - header - 1


def new_alloc(length: int) -> int:
    """``sdsnewlen``'s alloc: a type-5 sds (under 32 bytes) has no room at all."""
    if 0 < length < 32:
        return length
    return grown_alloc(length)
