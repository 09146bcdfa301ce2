"""Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO on string values.

Follows redis/src/bitops.c: bit 0 is the most significant bit of the first byte, writes grow
the string with zero bytes (keeping its TTL), offsets are limited to 512 MB. Argument
checking comes before the key lookup as in Redis 7.2+ (Redis 7.0 answered BITCOUNT/BITPOS
on a missing key before parsing the range); BITOP DIFF/DIFF1/ANDOR/ONE are Redis 8.2's.
"""

from __future__ import annotations

from dataclasses import dataclass

from fakestash._engine.args import parse_int
from fakestash._engine.commands.strings import get_string
from fakestash._engine.database import Database
from fakestash._engine.family import Family
from fakestash._engine.keyspec import key_at, key_range
from fakestash._engine.notify import GENERIC, STRING, emit
from fakestash._engine.replies import Reply
from fakestash._errors import SYNTAX, CommandError

FAMILY = Family("bitmaps", group="bitmap", category="bitmap")

#: proto-max-bulk-len: a bit offset must address a byte below it.
MAX_BYTES = 512 * 1024 * 1024
BAD_OFFSET = "ERR bit offset is not an integer or out of range"
BAD_BIT = "ERR bit is not an integer or out of range"
BAD_TYPE = (
    "ERR Invalid bitfield type. Use something like i16 u8. "
    "Note that u64 is not supported but i64 is."
)
_U64 = (1 << 64) - 1


def _wrap64(value: int) -> int:
    """A C ``int64_t`` result: wrap to two's complement."""
    return ((value + (1 << 63)) & _U64) - (1 << 63)


def parse_offset(raw: bytes, bits: int = 0) -> int:
    """``getBitOffsetFromArgument``: a bit offset, ``#n`` meaning ``n * bits`` (BITFIELD)."""
    use_hash = bits > 0 and raw[:1] == b"#"
    value = parse_int(raw[1:] if use_hash else raw, BAD_OFFSET)
    if use_hash:
        value = _wrap64(value * bits)
    if value < 0 or value >> 3 >= MAX_BYTES:
        raise CommandError(BAD_OFFSET)
    return value


def _grown(value: bytes | None, max_bit: int) -> bytes:
    """``lookupStringForBitCommand``: the string padded with zero bytes to reach a bit."""
    size = (max_bit >> 3) + 1
    current = value or b""
    if len(current) >= size:
        return current
    return current + bytes(size - len(current))


# ---- SETBIT / GETBIT ---------------------------------------------------------------------


@FAMILY.command("setbit", 4, "write denyoom", keys=[key_at(1, "RW access update")])
def setbit(db: Database, args: list[bytes]) -> Reply:
    """Set or clear one bit (growing the string); returns the bit's old value."""
    key = args[0]
    offset = parse_offset(args[1])
    on = parse_int(args[2], BAD_BIT)
    if on not in (0, 1):
        raise CommandError(BAD_BIT)
    current = get_string(db, key)
    value = _grown(current, offset)
    byte, mask = offset >> 3, 1 << (7 - (offset & 7))
    old = value[byte] & mask
    if value is not current or bool(old) != bool(on):
        new = value[byte] | mask if on else value[byte] & ~mask
        db.put(key, value[:byte] + bytes((new,)) + value[byte + 1 :], keep_ttl=True)
        if db.notify_flags:
            emit(db, STRING, b"setbit", key)
    return 1 if old else 0


@FAMILY.command("getbit", 3, "readonly fast", keys=[key_at(1, "RO access")])
def getbit(db: Database, args: list[bytes]) -> Reply:
    """The bit at an offset (0 past the end or for a missing key)."""
    offset = parse_offset(args[1])
    value = get_string(db, args[0])
    byte = offset >> 3
    if value is None or byte >= len(value):
        return 0
    return (value[byte] >> (7 - (offset & 7))) & 1


# ---- BITCOUNT / BITPOS -------------------------------------------------------------------


def _unit(raw: bytes) -> bool:
    """True for BIT, False for BYTE."""
    word = raw.upper()
    if word == b"BIT":
        return True
    if word == b"BYTE":
        return False
    raise CommandError(SYNTAX)


def _clamp(start: int, end: int, total: int) -> tuple[int, int]:
    if start < 0:
        start += total
    if end < 0:
        end += total
    start, end = max(start, 0), max(end, 0)
    return start, min(end, total - 1)


def _edge_masks(start: int, end: int) -> tuple[int, int]:
    """Masks of the bits of the first and last byte outside a bit range."""
    return ~((1 << (8 - (start & 7))) - 1) & 0xFF, (1 << (7 - (end & 7))) - 1


@FAMILY.command("bitcount", -2, "readonly", keys=[key_at(1, "RO access")])
def bitcount(db: Database, args: list[bytes]) -> Reply:
    """Count set bits, optionally in a byte or bit range (negative indexes from the end)."""
    if len(args) not in (1, 3, 4):
        raise CommandError(SYNTAX)
    if len(args) == 1:
        value = get_string(db, args[0])
        return 0 if value is None else _popcount(value)
    start, end = parse_int(args[1]), parse_int(args[2])
    is_bit = len(args) == 4 and _unit(args[3])
    value = get_string(db, args[0])
    if value is None or (start < 0 and end < 0 and start > end):
        return 0
    total = len(value) * 8 if is_bit else len(value)
    start, end = _clamp(start, end, total)
    if start > end:
        return 0
    if not is_bit:
        return _popcount(value[start : end + 1])
    first_mask, last_mask = _edge_masks(start, end)
    first, last = start >> 3, end >> 3
    count = _popcount(value[first : last + 1])
    return count - _popcount(bytes((value[first] & first_mask, value[last] & last_mask)))


def _popcount(data: bytes) -> int:
    return int.from_bytes(data, "big").bit_count() if data else 0


def _first_bit(data: bytes, bit: int) -> int:
    """``redisBitpos``: the first ``bit`` in data; for 0 and none found, len*8 (the string
    is zero padded on the right); for 1 and none found, -1."""
    if bit:
        number = int.from_bytes(data, "big")
        return -1 if number == 0 else len(data) * 8 - number.bit_length()
    skip = 0
    while skip < len(data) and data[skip] == 0xFF:
        skip += 1
    if skip == len(data):
        return skip * 8
    return skip * 8 + (8 - (data[skip] ^ 0xFF).bit_length())


@FAMILY.command("bitpos", -3, "readonly", keys=[key_at(1, "RO access")])
def bitpos(db: Database, args: list[bytes]) -> Reply:
    """Position of the first 0 or 1 bit, optionally within a byte or bit range."""
    bit = parse_int(args[1])
    if bit not in (0, 1):
        raise CommandError("ERR The bit argument must be 1 or 0.")
    if len(args) > 5:
        raise CommandError(SYNTAX)
    start = parse_int(args[2]) if len(args) >= 3 else 0
    is_bit = len(args) == 5 and _unit(args[4])
    end_given = len(args) >= 4
    end = parse_int(args[3]) if end_given else -1
    value = get_string(db, args[0])
    if value is None:
        return -1 if bit else 0
    if len(args) == 2:
        start, end = 0, len(value) - 1
    else:
        start, end = _clamp(start, end, len(value) * 8 if is_bit else len(value))
    if start > end:
        return -1
    if is_bit:
        return _bitpos_bits(value, bit, start, end)
    pos = _first_bit(value[start : end + 1], bit)
    if end_given and bit == 0 and pos == (end - start + 1) * 8:
        return -1
    return pos if pos == -1 else pos + start * 8


def _bitpos_bits(value: bytes, bit: int, start: int, end: int) -> int:
    """A BIT range: search the masked bytes of the range, as bitposCommand does."""
    first_mask, last_mask = _edge_masks(start, end)
    data = bytearray(value[start >> 3 : (end >> 3) + 1])
    if bit:
        data[0] &= ~first_mask & 0xFF
        data[-1] &= ~last_mask & 0xFF
    else:
        data[0] |= first_mask
        data[-1] |= last_mask
    pos = _first_bit(bytes(data), bit)
    if pos == -1 or pos == len(data) * 8:
        return -1  # BIT ranges always give an end: no 0 found in range is -1
    return pos + (start >> 3) * 8


# ---- BITOP -------------------------------------------------------------------------------

_OPS = (b"AND", b"OR", b"XOR", b"NOT", b"DIFF", b"DIFF1", b"ANDOR", b"ONE")


@FAMILY.command(
    "bitop", -4, "write denyoom",
    keys=[key_at(2, "OW update"), key_range(3, "RO access")],
)
def bitop(db: Database, args: list[bytes]) -> Reply:
    """Bitwise AND/OR/XOR/NOT/DIFF/DIFF1/ANDOR/ONE of strings into a key; the result length."""
    op = args[0].upper()
    if op not in _OPS:
        raise CommandError(SYNTAX)
    if op == b"NOT" and len(args) != 3:
        raise CommandError("ERR BITOP NOT must be called with a single source key.")
    if op in (b"DIFF", b"DIFF1", b"ANDOR") and len(args) < 4:
        name = op.decode()
        raise CommandError(f"ERR BITOP {name} must be called with at least two source keys.")
    dest = args[1]
    sources = [get_string(db, key) or b"" for key in args[2:]]
    size = max(len(s) for s in sources)
    if size == 0:
        if db.delete(dest) and db.notify_flags:
            emit(db, GENERIC, b"del", dest)
        return 0
    numbers = [int.from_bytes(s, "big") << (8 * (size - len(s))) for s in sources]
    result = _combine(op, numbers, (1 << (8 * size)) - 1)
    db.put(dest, result.to_bytes(size, "big"))
    if db.notify_flags:
        emit(db, STRING, b"set", dest)
    return size


def _combine(op: bytes, numbers: list[int], mask: int) -> int:
    first, rest = numbers[0], numbers[1:]
    if op == b"NOT":
        return ~first & mask
    if op == b"AND":
        for n in rest:
            first &= n
        return first
    if op == b"XOR":
        for n in rest:
            first ^= n
        return first
    if op == b"ONE":
        once, twice = first, 0
        for n in rest:
            twice |= once & n
            once |= n
        return once & ~twice
    union = 0
    for n in rest:
        union |= n
    if op == b"OR":
        return first | union
    if op == b"DIFF":
        return first & ~union & mask
    if op == b"DIFF1":
        return ~first & union & mask
    return first & union  # ANDOR


# ---- BITFIELD ----------------------------------------------------------------------------

_WRAP, _SAT, _FAIL = 0, 1, 2
_OVERFLOWS = {b"WRAP": _WRAP, b"SAT": _SAT, b"FAIL": _FAIL}


@dataclass(frozen=True)
class _FieldOp:
    kind: bytes  # GET, SET or INCRBY
    signed: bool
    bits: int
    offset: int
    value: int
    overflow: int


def _field_type(raw: bytes) -> tuple[bool, int]:
    """``getBitfieldTypeFromArgument``: i1..i64 or u1..u63 (lower-case sign letter)."""
    sign = raw[:1]
    if sign not in (b"i", b"u"):
        raise CommandError(BAD_TYPE)
    digits = raw[1:].split(b"\x00", 1)[0]  # C reads up to the first NUL
    try:
        bits = parse_int(digits)
    except CommandError:
        raise CommandError(BAD_TYPE) from None
    if bits < 1 or bits > (64 if sign == b"i" else 63):
        raise CommandError(BAD_TYPE)
    return sign == b"i", bits


def _parse_field_ops(args: list[bytes]) -> list[_FieldOp]:
    ops: list[_FieldOp] = []
    overflow = _WRAP
    i, n = 1, len(args)
    while i < n:
        word, remaining = args[i].upper(), n - i - 1
        if word == b"OVERFLOW" and remaining >= 1:
            overflow = _OVERFLOWS.get(args[i + 1].upper(), -1)
            if overflow < 0:
                raise CommandError("ERR Invalid OVERFLOW type specified")
            i += 2
            continue
        needed = 2 if word == b"GET" else 3
        if word not in (b"GET", b"SET", b"INCRBY") or remaining < needed:
            raise CommandError(SYNTAX)
        signed, bits = _field_type(args[i + 1])
        offset = parse_offset(args[i + 2], bits)
        value = parse_int(args[i + 3]) if word != b"GET" else 0
        ops.append(_FieldOp(word, signed, bits, offset, value, overflow))
        i += needed + 1
    return ops


def get_field(data: bytes | bytearray, offset: int, bits: int, signed: bool) -> int:
    """The integer of ``bits`` bits at a bit offset (big-endian bit order, zero padded)."""
    first = offset >> 3
    width = ((offset & 7) + bits + 7) >> 3
    chunk = bytes(data[first : first + width]).ljust(width, b"\x00")
    shift = width * 8 - (offset & 7) - bits
    value = (int.from_bytes(chunk, "big") >> shift) & ((1 << bits) - 1)
    if signed and value >> (bits - 1):
        value -= 1 << bits
    return value


def set_field(data: bytearray, offset: int, bits: int, value: int) -> None:
    """Store the low ``bits`` bits of ``value`` at a bit offset (the bytes must exist)."""
    first = offset >> 3
    width = ((offset & 7) + bits + 7) >> 3
    shift = width * 8 - (offset & 7) - bits
    mask = ((1 << bits) - 1) << shift
    current = int.from_bytes(data[first : first + width], "big")
    new = (current & ~mask) | ((value << shift) & mask)
    data[first : first + width] = new.to_bytes(width, "big")


def _apply(op: _FieldOp, old: int) -> tuple[int | None, int]:
    """The value to store (None: FAIL overflow, nothing stored) and the reply."""
    bits = op.bits
    if op.signed:
        low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        target = old + op.value if op.kind == b"INCRBY" else op.value
    else:
        low, high = 0, (1 << bits) - 1
        # SET takes the int64 as a C uint64_t: negative values are huge, so they overflow.
        target = old + op.value if op.kind == b"INCRBY" else op.value & _U64
    if low <= target <= high:
        new = target
    elif op.overflow == _FAIL:
        return None, 0
    elif op.overflow == _SAT:
        new = high if target > high else low
    else:
        new = target & ((1 << bits) - 1)
        if op.signed and new > high:
            new -= 1 << bits
    return new, (new if op.kind == b"INCRBY" else old)


def _bitfield(db: Database, args: list[bytes], readonly_command: bool) -> Reply:
    key = args[0]
    ops = _parse_field_ops(args)
    writes = [op for op in ops if op.kind != b"GET"]
    if writes and readonly_command:
        raise CommandError("ERR BITFIELD_RO only supports the GET subcommand")
    current = get_string(db, key)
    if not writes:
        data = current or b""
        return [get_field(data, op.offset, op.bits, op.signed) for op in ops]
    highest = max(op.offset + op.bits - 1 for op in writes)
    grown = _grown(current, highest)
    buffer = bytearray(grown)
    replies: list[Reply] = []
    changes = 0
    for op in ops:
        old = get_field(buffer, op.offset, op.bits, op.signed)
        if op.kind == b"GET":
            replies.append(old)
            continue
        new, reply = _apply(op, old)
        if new is None:
            replies.append(None)
            continue
        set_field(buffer, op.offset, op.bits, new)
        replies.append(reply)
        changes += 1
    if grown is not current or buffer != grown:
        db.put(key, bytes(buffer), keep_ttl=True)
    if changes and db.notify_flags:
        emit(db, STRING, b"setbit", key)
    return replies


@FAMILY.command(
    "bitfield", -2, "write denyoom",
    keys=[key_at(1, "RW access update variable_flags")],
)
def bitfield(db: Database, args: list[bytes]) -> Reply:
    """GET/SET/INCRBY integers of 1-64 bits at any bit offset, with OVERFLOW WRAP/SAT/FAIL."""
    return _bitfield(db, args, readonly_command=False)


@FAMILY.command("bitfield_ro", -2, "readonly fast", keys=[key_at(1, "RO access")])
def bitfield_ro(db: Database, args: list[bytes]) -> Reply:
    """Read-only BITFIELD: GET subcommands only."""
    return _bitfield(db, args, readonly_command=True)
