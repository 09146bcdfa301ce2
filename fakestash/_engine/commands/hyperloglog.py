"""HyperLogLog commands: PFADD, PFCOUNT, PFMERGE on Redis' own HLL string encoding.

The value is a plain string holding the bytes redis/src/hyperloglog.c writes (see
``fakestash._engine.hll``), so PFCOUNT answers what Redis answers for the same elements and
GET/DUMP of an HLL key gives Redis' bytes. Like Redis, a single-key PFCOUNT stores the
cardinality it computed in the header (the value changes; the command stays read-only).
"""

from __future__ import annotations

from fakestash._engine import hll, sds_hidden
from fakestash._engine.database import Database
from fakestash._engine.family import Family
from fakestash._engine.keyspec import key_at, key_range
from fakestash._engine.notify import STRING, emit
from fakestash._engine.replies import OK, Reply
from fakestash._errors import CommandError, WrongType

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


def _sketch(db: Database, key: bytes, value: bytes) -> hll.Sketch:
    """A working copy of the HLL at ``key``, with what its buffer holds beyond the bytes."""
    facts = sds_hidden.hidden(db, key, value)
    return hll.Sketch(value, facts.tail, facts.alloc)


def _store(db: Database, key: bytes, sketch: hll.Sketch, *, keep_ttl: bool) -> None:
    value = sketch.value()
    db.put(key, value, keep_ttl=keep_ttl)
    alloc = None if sketch.alloc == sds_hidden.new_alloc(len(value)) else sketch.alloc
    sds_hidden.keep(db, key, value, sds_hidden.Hidden(sketch.tail, alloc))


def _created() -> hll.Sketch:
    """``createHLLObject``: an empty sparse HLL (18 bytes: an sds with no free room)."""
    return hll.Sketch(hll.empty())


@FAMILY.command("pfadd", -2, "write denyoom fast", keys=[key_at(1, "RW insert")])
def pfadd(db: Database, args: list[bytes]) -> Reply:
    """Add elements to a HyperLogLog: 1 if a register (or the key) changed, else 0.

    As ``pfaddCommand``: a corrupted sparse body answers INVALIDOBJ when an element needs a
    register past its last opcode (or a promotion to dense finds it corrupted), after the
    elements before it were applied in place.
    """
    key = args[0]
    value = _hll_value(db, key)
    created = value is None
    if value is not None and len(args) == 1:
        return 0
    sketch = _created() if value is None else _sketch(db, key, value)
    try:
        updated = sketch.add_all(args[1:]) + created
    except hll.Corrupted:
        _store(db, key, sketch, keep_ttl=True)
        raise CommandError(hll.CORRUPTED) from None
    if updated:
        hll.invalidate(sketch.header)
    _store(db, key, sketch, keep_ttl=True)
    if updated and db.notify_flags:
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
                acc = hll.merge_max(acc, _raw(db, key, value))
        return hll.estimate(hll.histogram_of_raw(acc))
    key = args[0]
    value = _hll_value(db, key)
    if value is None:
        return 0
    cached = hll.cached_cardinality(value)
    if cached is not None:
        return cached
    facts = sds_hidden.hidden(db, key, value)
    try:
        card = hll.estimate(hll.histogram_of_value(value, facts.tail))
    except hll.Corrupted:
        raise CommandError(hll.CORRUPTED) from None
    counted = hll.with_cardinality(value, card)  # written in place: same buffer
    db.put(key, counted, keep_ttl=True)
    sds_hidden.keep(db, key, counted, facts)
    return card


def _raw(db: Database, key: bytes, value: bytes) -> bytes:
    """``hllMerge``'s registers of the HLL at ``key`` (INVALIDOBJ for a corrupted one)."""
    try:
        return hll.raw_registers(value, sds_hidden.hidden(db, key, value).tail)
    except hll.Corrupted:
        raise CommandError(hll.CORRUPTED) from None


@FAMILY.command(
    "pfmerge", -2, "write denyoom",
    keys=[key_at(1, "RW access insert"), key_range(2, "RO access")],
)
def pfmerge(db: Database, args: list[bytes]) -> Reply:
    """Merge HyperLogLogs (the destination included) into the destination.

    As ``pfmergeCommand``: every source is checked first; a dense source makes the
    destination dense, otherwise the merged registers are set one by one into the sparse
    destination, and (as Redis ignores ``hllSparseSet``'s result there) a register its
    opcodes no longer reach is skipped.
    """
    acc = bytes(hll.REGISTERS)
    use_dense = False
    for key in args:
        value = _hll_value(db, key)
        if value is None:
            continue
        use_dense = use_dense or value[4] == hll.DENSE
        acc = hll.merge_max(acc, _raw(db, key, value))
    dest = args[0]
    current = _hll_value(db, dest)
    sketch = _created() if current is None else _sketch(db, dest, current)
    if use_dense:
        if not sketch.promote():
            raise CommandError(hll.CORRUPTED)  # not reached: dest was merged above
        sketch.set_raw_dense(acc)
    else:
        for index, count in enumerate(acc):
            if count:
                sketch.set(index, count)
    hll.invalidate(sketch.header)
    _store(db, dest, sketch, keep_ttl=current is not None)
    if db.notify_flags:
        emit(db, STRING, b"pfadd", dest)  # as Redis: PFMERGE's event is "pfadd"
    return OK
