"""HyperLogLog commands: PFADD, PFCOUNT, PFMERGE on Redis' own HLL string encoding.

The value is a plain string holding the bytes redis/src/hyperloglog.c writes (see
``fakestash.engine.hll``), so PFCOUNT answers what Redis answers for the same elements and
GET/DUMP of an HLL key gives Redis' bytes. Like Redis, a single-key PFCOUNT stores the
cardinality it computed in the header (the value changes; the command stays read-only).
"""

from __future__ import annotations

from fakestash.engine import hll
from fakestash.engine.database import Database
from fakestash.engine.family import Family
from fakestash.engine.keyspec import key_at, key_range
from fakestash.engine.notify import STRING, emit
from fakestash.engine.replies import OK, Reply
from fakestash.errors import CommandError, WrongType

FAMILY = Family("hyperloglog", group="hyperloglog", category="hyperloglog")


def _hll_value(db: Database, key: bytes) -> bytes | None:
    """The HLL at ``key`` (None if missing): WRONGTYPE for other types and for strings
    that are not HyperLogLogs."""
    value = db.lookup(key)
    if value is None:
        return None
    if type(value) is not bytes:
        raise WrongType()
    if not hll.is_hll(value):
        raise CommandError(hll.NOT_HLL)
    return value


def _sketch(value: bytes) -> hll.Sketch:
    try:
        return hll.Sketch(value)
    except hll.Corrupted:
        raise CommandError(hll.CORRUPTED) from None


@FAMILY.command("pfadd", -2, "write denyoom fast", keys=[key_at(1, "RW insert")])
def pfadd(db: Database, args: list[bytes]) -> Reply:
    """Add elements to a HyperLogLog: 1 if a register (or the key) changed, else 0."""
    key = args[0]
    value = _hll_value(db, key)
    created = value is None
    if value is not None and len(args) == 1:
        return 0
    sketch = _sketch(hll.empty() if value is None else value)
    try:
        updated = sketch.add_all(args[1:]) + created
    except hll.Corrupted:
        if sketch.updated:
            db.put(key, sketch.value(), keep_ttl=True)
        raise CommandError(hll.CORRUPTED) from None
    if updated:
        hll.invalidate(sketch.header)
        db.put(key, sketch.value(), keep_ttl=True)
        if db.notify_flags:
            emit(db, STRING, b"pfadd", key)
    return 1 if updated else 0


@FAMILY.command("pfcount", -2, "readonly", keys=[key_range(1, "RW access")])
def pfcount(db: Database, args: list[bytes]) -> Reply:
    """Estimated cardinality of a HyperLogLog, or of the union of several."""
    if len(args) > 1:
        acc = bytes(hll.REGISTERS)
        for key in args:
            value = _hll_value(db, key)
            if value is not None:
                acc = hll.merge_max(acc, _raw(value))
        return hll.estimate(hll.histogram_of_raw(acc))
    key = args[0]
    value = _hll_value(db, key)
    if value is None:
        return 0
    cached = hll.cached_cardinality(value)
    if cached is not None:
        return cached
    try:
        card = hll.estimate(hll.histogram_of_value(value))
    except hll.Corrupted:
        raise CommandError(hll.CORRUPTED) from None
    db.put(key, hll.with_cardinality(value, card), keep_ttl=True)
    return card


def _raw(value: bytes) -> bytes:
    try:
        return hll.raw_registers(value)
    except hll.Corrupted:
        raise CommandError(hll.CORRUPTED) from None


@FAMILY.command(
    "pfmerge", -2, "write denyoom",
    keys=[key_at(1, "RW access insert"), key_range(2, "RO access")],
)
def pfmerge(db: Database, args: list[bytes]) -> Reply:
    """Merge HyperLogLogs (the destination included) into the destination."""
    acc = bytes(hll.REGISTERS)
    use_dense = False
    for key in args:
        value = _hll_value(db, key)
        if value is None:
            continue
        use_dense = use_dense or value[4] == hll.DENSE
        acc = hll.merge_max(acc, _raw(value))
    dest = args[0]
    current = _hll_value(db, dest)
    sketch = _sketch(hll.empty() if current is None else current)
    if use_dense:
        if sketch.dense is None:
            sketch.promote()
        sketch.set_raw_dense(acc)
    else:
        for index, count in enumerate(acc):
            if count:
                sketch.set(index, count)
    hll.invalidate(sketch.header)
    db.put(dest, sketch.value(), keep_ttl=current is not None)
    if db.notify_flags:
        emit(db, STRING, b"pfadd", dest)  # as Redis: PFMERGE's event is "pfadd"
    return OK
