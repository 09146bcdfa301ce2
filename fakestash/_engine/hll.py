"""Redis' HyperLogLog, byte for byte: the HYLL header, sparse and dense encodings, the estimator.

A HyperLogLog is a plain string value whose bytes are exactly what redis/src/hyperloglog.c
stores, so GET, DUMP/RESTORE, APPEND… see the same bytes as on a real server:

- a 16-byte header: ``HYLL``, the encoding (0 dense, 1 sparse), three unused bytes, and the
  cached cardinality (64-bit little endian; its top bit set means "stale, recompute");
- dense: 16384 registers of 6 bits, packed LSB first (12288 bytes);
- sparse: run-length opcodes ZERO ``00xxxxxx``, XZERO ``01xxxxxx yyyyyyyy`` and VAL
  ``1vvvvvxx``, updated in place with Redis' split/merge rules and promoted to dense when a
  register exceeds 32 or the string would pass ``hll-sparse-max-bytes`` (3000). Corrupted
  bodies (written by SETRANGE, APPEND…) are read and edited as ``hllSparseSet`` does, the
  byte after the string and the string's allocation included (``Sketch``, ``sds_hidden``).

Elements are hashed with MurmurHash64A (seed 0xadc83b19); the cardinality is Otmar Ertl's
improved estimator (Redis 5+: ``hllCount`` with ``hllSigma``/``hllTau``).
"""

from __future__ import annotations

import math
import struct
from bisect import bisect_right
from typing import Iterable

from fakestash._engine.sds_hidden import grown_alloc, new_alloc

P = 14
Q = 64 - P
REGISTERS = 1 << P  # 16384
P_MASK = REGISTERS - 1
HEADER = 16
DENSE_BYTES = REGISTERS * 6 // 8  # 12288
DENSE_SIZE = HEADER + DENSE_BYTES
DENSE, SPARSE = 0, 1
SPARSE_MAX_BYTES = 3000  # hll-sparse-max-bytes
SPARSE_VAL_MAX_VALUE = 32
SPARSE_VAL_MAX_LEN = 4
SPARSE_ZERO_MAX_LEN = 64
SPARSE_XZERO_MAX_LEN = 16384
ALPHA_INF = 0.721347520444481703680  # 0.5/ln(2)
SEED = 0xADC83B19

NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
CORRUPTED = "INVALIDOBJ Corrupted HLL object detected"

_M = 0xC6A4A7935BD1E995
_MASK64 = (1 << 64) - 1


class Corrupted(Exception):
    """The sparse opcodes do not describe exactly 16384 registers."""


# ---- hashing -------------------------------------------------------------------------------


def murmurhash64a(data: bytes, seed: int = SEED) -> int:
    """Redis' endian-neutral MurmurHash64A."""
    n = len(data)
    m, mask = _M, _MASK64
    h = (seed ^ (n * m)) & mask
    blocks = n >> 3
    if blocks:
        for k in struct.unpack_from(f"<{blocks}Q", data):
            k = (k * m) & mask
            k ^= k >> 47
            h ^= (k * m) & mask
            h = (h * m) & mask
    if n & 7:
        h ^= int.from_bytes(data[blocks << 3 :], "little")
        h = (h * m) & mask
    h ^= h >> 47
    h = (h * m) & mask
    return h ^ (h >> 47)


def pattern(element: bytes) -> tuple[int, int]:
    """``hllPatLen``: the register index and the length of the ``000..1`` run (1..51)."""
    h = murmurhash64a(element)
    rest = (h >> P) | (1 << Q)
    return h & P_MASK, (rest & -rest).bit_length()


# ---- recognising an HLL ----------------------------------------------------------------------


def is_hll(value: bytes) -> bool:
    """``isHLLObjectOrReply``: magic, a known encoding, and the exact dense length."""
    if len(value) < HEADER or value[:4] != b"HYLL" or value[4] > SPARSE:
        return False
    return value[4] != DENSE or len(value) == DENSE_SIZE


def empty() -> bytes:
    """``createHLLObject``: a sparse HLL of one XZERO:16384 (cache field zero)."""
    return b"HYLL\x01" + bytes(11) + b"\x7f\xff"


def invalidate(header: bytearray) -> None:
    header[15] |= 0x80


def cached_cardinality(value: bytes) -> int | None:
    """The cached count, or None when the header marks it stale."""
    if value[15] & 0x80:
        return None
    return int.from_bytes(value[8:16], "little")


def with_cardinality(value: bytes, card: int) -> bytes:
    return value[:8] + card.to_bytes(8, "little") + value[16:]


# ---- dense registers -------------------------------------------------------------------------


def _dense_set(regs: bytearray, index: int, count: int) -> bool:
    """``hllDenseSet`` on a register area followed by one spare byte."""
    bit = index * 6
    byte, fb = bit >> 3, bit & 7
    b0 = regs[byte]
    if fb <= 2:
        old = (b0 >> fb) & 63
        if count <= old:
            return False
        regs[byte] = (b0 & ~(63 << fb) & 0xFF) | (count << fb)
        return True
    b1 = regs[byte + 1]
    old = ((b0 >> fb) | (b1 << (8 - fb))) & 63
    if count <= old:
        return False
    regs[byte] = (b0 & ((1 << fb) - 1)) | ((count << fb) & 0xFF)
    regs[byte + 1] = (b1 & ~(63 >> (8 - fb)) & 0xFF) | (count >> (8 - fb))
    return True


def _lanes(data: bytes, value: int) -> int:
    return int.from_bytes(bytes([value]) * len(data), "little")


def dense_to_raw(registers: bytes) -> bytes:
    """The 16384 6-bit registers, one byte each (four registers per three bytes)."""
    g0, g1, g2 = registers[0::3], registers[1::3], registers[2::3]
    n = len(g0)
    a, b, c = (int.from_bytes(g, "little") for g in (g0, g1, g2))
    m63, m3, m15 = _lanes(g0, 63), _lanes(g0, 3), _lanes(g0, 15)
    raw = bytearray(REGISTERS)
    raw[0::4] = (a & m63).to_bytes(n, "little")
    raw[1::4] = (((a >> 6) & m3) | ((b & m15) << 2)).to_bytes(n, "little")
    raw[2::4] = (((b >> 4) & m15) | ((c & m3) << 4)).to_bytes(n, "little")
    raw[3::4] = ((c >> 2) & m63).to_bytes(n, "little")
    return bytes(raw)


def raw_to_dense(raw: bytes) -> bytes:
    """``hllDenseCompress``: pack one-byte registers (each <= 63) into the dense layout."""
    r0, r1, r2, r3 = (raw[i::4] for i in range(4))
    n = len(r0)
    a, b, c, d = (int.from_bytes(r, "little") for r in (r0, r1, r2, r3))
    m3, m15 = _lanes(r0, 3), _lanes(r0, 15)
    dense = bytearray(DENSE_BYTES)
    dense[0::3] = (a | ((b & m3) << 6)).to_bytes(n, "little")
    dense[1::3] = (((b >> 2) & m15) | ((c & m15) << 4)).to_bytes(n, "little")
    dense[2::3] = (((c >> 4) & m3) | (d << 2)).to_bytes(n, "little")
    return bytes(dense)


# ---- sparse opcodes --------------------------------------------------------------------------
#
# A sparse body is held as two parallel lists while a command works on it: ``ops`` (a ZERO or
# VAL opcode as its byte, an XZERO as its two bytes read big-endian, so > 255) and ``starts``
# (the first register each opcode covers). Splits and merges never move the start of another
# opcode, so the opcode covering a register is a bisection away.
#
# Redis reads the body with pointers, and a body cut inside an XZERO (its first byte is the
# string's last) is read, as C reads it, with the byte after the string as the second one.
# That byte is the sds string's terminator: zero, except where hllSparseSet itself leaves
# another byte there (see ``Sketch._split_cut``). fakestash keeps it beside the value
# (``fakestash/_engine/sds_hidden.py``) so a later command reads what Redis reads.


def _span(op: int) -> int:
    if op > 255:
        return (op & 0x3FFF) + 1
    if op & 0x80:
        return (op & 3) + 1
    return (op & 0x3F) + 1


def _zero_op(length: int) -> int:
    if length > SPARSE_ZERO_MAX_LEN:
        return 0x4000 | (length - 1)
    return length - 1


def _val_op(value: int, length: int) -> int:
    return 0x80 | ((value - 1) << 2) | (length - 1)


def _is_val(op: int) -> bool:
    return op < 256 and bool(op & 0x80)


def _oplen(op: int) -> int:
    return 2 if op > 255 else 1


def decode_sparse(
    body: bytes, strict: bool = True, tail: int = 0
) -> tuple[list[int], list[int], int, bool]:
    """The opcodes of a sparse body, their first registers, the registers they cover, and
    whether the last opcode is an XZERO cut after its first byte (read with ``tail``, the
    byte after the string, as its second byte).

    ``strict``: Corrupted unless they cover exactly 16384 registers, the test
    ``hllSparseToDense``, ``hllSparseRegHisto`` and ``hllMerge`` make (since the
    CVE-2025-32023 fix they stop at the first opcode past 16384; covering exactly 16384
    is the same test). PFADD is lenient, as ``hllSparseSet`` is: it only fails when the
    register it looks for lies past the last opcode.
    """
    ops: list[int] = []
    starts: list[int] = []
    i, n, first = 0, len(body), 0
    truncated = False
    while i < n:
        op = body[i]
        if op & 0xC0 == 0x40:
            truncated = i + 1 >= n
            op = (op << 8) | (tail if truncated else body[i + 1])
            i += 2
        else:
            i += 1
        ops.append(op)
        starts.append(first)
        first += _span(op)
    if strict and first != REGISTERS:
        raise Corrupted()
    return ops, starts, first, truncated


def encode_sparse(ops: list[int], truncated: bool = False) -> bytes:
    out = bytearray()
    for op in ops:
        if op > 255:
            out.append(op >> 8)
            out.append(op & 0xFF)
        else:
            out.append(op)
    return bytes(out[:-1] if truncated else out)


def sparse_to_raw(ops: list[int]) -> bytearray:
    raw = bytearray(REGISTERS)
    i = 0
    for op in ops:
        span = _span(op)
        if op < 256 and op & 0x80:
            raw[i : i + span] = bytes([((op >> 2) & 0x1F) + 1]) * span
        i += span
    return raw


def sparse_body_to_raw(body: bytes, tail: int = 0) -> bytearray:
    return sparse_to_raw(decode_sparse(body, tail=tail)[0])


def _split(op: int, first: int, index: int, count: int) -> list[int]:
    """Case D of ``hllSparseSet``: the opcodes replacing ``op`` (covering ``first``…) once
    register ``index`` holds ``count``."""
    last = first + _span(op) - 1
    current = ((op >> 2) & 0x1F) + 1 if _is_val(op) else 0
    seq: list[int] = []
    if index != first:
        seq.append(_val_op(current, index - first) if current else _zero_op(index - first))
    seq.append(_val_op(count, 1))
    if index != last:
        seq.append(_val_op(current, last - index) if current else _zero_op(last - index))
    return seq


class Sketch:
    """A working copy of one HLL value, edited as ``hllSparseSet``/``hllDenseSet`` edit the
    sds string in place: the header, the registers (dense) or the opcodes (sparse), the
    string's length, the byte after it and (Redis 7.2+) its allocation."""

    def __init__(self, value: bytes, tail: int = 0, alloc: int | None = None) -> None:
        self.header = bytearray(value[:HEADER])
        self.dense: bytearray | None = None
        self.ops: list[int] = []
        self.starts: list[int] = []
        self.size = len(value)  # sdslen: header included
        self.covered = REGISTERS  # registers the sparse opcodes describe
        self.updated = 0  # registers add_all changed so far
        self.truncated = False  # the last opcode is an XZERO missing its second byte
        #: The byte after the string (the sds terminator C reads past a cut XZERO).
        self.tail = tail
        #: ``sdsalloc`` (given as None: what ``sdsnewlen`` gives this length): hllSparseSet
        #: grows it, and zeroes the terminator, when fewer than 3 bytes are free.
        self.alloc = new_alloc(self.size) if alloc is None else alloc
        if value[4] == DENSE:
            self.dense = bytearray(value[HEADER:])
            self.dense.append(0)  # the sds terminator the register macros may touch
            self.tail = 0
        else:
            self.ops, self.starts, self.covered, self.truncated = decode_sparse(
                value[HEADER:], strict=False, tail=tail
            )

    def value(self) -> bytes:
        if self.dense is not None:
            return bytes(self.header) + bytes(self.dense[:-1])
        return bytes(self.header) + encode_sparse(self.ops, self.truncated)

    def raw(self) -> bytes:
        """One byte per register (Corrupted for a sparse body not covering 16384)."""
        if self.dense is not None:
            return dense_to_raw(bytes(self.dense[:-1]))
        if self.covered != REGISTERS:
            raise Corrupted()
        return bytes(sparse_to_raw(self.ops))

    def add_all(self, elements: Iterable[bytes]) -> int:
        """PFADD's loop: how many elements changed a register. Corrupted (with the
        elements before it applied, as Redis edits in place) for a broken sparse body."""
        updated = 0
        for element in elements:
            index, count = pattern(element)
            changed = self.set(index, count)
            if changed < 0:
                raise Corrupted()
            updated += changed
            self.updated = updated
        return updated

    def set(self, index: int, count: int) -> int:
        """``hllDenseSet`` / ``hllSparseSet``: 1 if the register grew, 0 if not, -1 for a
        sparse body that does not reach ``index`` (or cannot be promoted)."""
        if self.dense is not None:
            return 1 if _dense_set(self.dense, index, count) else 0
        return self._sparse_set(index, count)

    def promote(self) -> bool:
        """``hllSparseToDense``: same header (magic, cache), dense encoding; False (nothing
        changed) for a body not covering exactly 16384 registers."""
        if self.dense is not None:
            return True
        if self.covered != REGISTERS:
            return False
        raw = sparse_to_raw(self.ops)
        self.dense = bytearray(raw_to_dense(bytes(raw)))
        self.dense.append(0)
        self.header[4] = DENSE
        self.ops, self.starts = [], []
        self.truncated = False
        self.size = DENSE_SIZE
        self.tail = 0
        self.alloc = new_alloc(DENSE_SIZE)
        return True

    def set_raw_dense(self, raw: bytes) -> None:
        """PFMERGE into a dense target: every register takes the merged maximum."""
        self.dense = bytearray(raw_to_dense(raw))
        self.dense.append(0)

    # ---- hllSparseSet ----------------------------------------------------------------

    def _set_tail(self, byte: int) -> None:
        """The byte after the string changed; a cut final XZERO reads it."""
        self.tail = byte
        if self.truncated:
            old = self.ops[-1]
            new = (old & 0xFF00) | byte
            self.ops[-1] = new
            self.covered += _span(new) - _span(old)

    def _make_room(self) -> None:
        """Redis 7.2+ (greedy ``sdsResize`` before each sparse update): with fewer than 3
        bytes free and less than ``hll-sparse-max-bytes`` allocated, the string is
        reallocated, which zeroes the byte after it."""
        alloc = self.alloc
        if alloc - self.size < 3 and alloc < SPARSE_MAX_BYTES:
            grown = self.size + 3
            self.alloc = grown_alloc(min(grown + min(grown, 300), SPARSE_MAX_BYTES))
            self._set_tail(0)

    def _sparse_set(self, index: int, count: int) -> int:
        if count > SPARSE_VAL_MAX_VALUE:
            return self._promote_and_set(index, count)
        self._make_room()
        ops, starts = self.ops, self.starts
        if index >= self.covered:
            return -1  # the scan ran off the end of the opcodes
        p = bisect_right(starts, index) - 1
        op = ops[p]
        if 0x80 <= op < 0x100:  # VAL
            if ((op >> 2) & 0x1F) + 1 >= count:
                return 0  # case A
            if op & 3 == 0:
                ops[p] = _val_op(count, 1)  # case B
                return self._merge_from(p)
        elif op == 0:
            ops[p] = _val_op(count, 1)  # case C: ZERO of length 1
            return self._merge_from(p)
        seq = _split(op, starts[p], index, count)
        delta = len(seq) + sum(1 for o in seq if o > 255) - _oplen(op)
        if delta > 0 and self.size + delta > SPARSE_MAX_BYTES:
            return self._promote_and_set(index, count)
        self.size += delta
        if self.truncated and p == len(ops) - 1:
            self._split_cut(p, seq)
        else:
            self._replace(p, seq)
            if self.tail:
                self._set_tail(0)  # sdsIncrLen writes the terminator
        return self._merge_from(p)

    def _replace(self, p: int, seq: list[int]) -> None:
        first = self.starts[p]
        seq_starts = []
        for o in seq:
            seq_starts.append(first)
            first += _span(o)
        self.ops[p : p + 1] = seq
        self.starts[p : p + 1] = seq_starts

    def _split_cut(self, p: int, seq: list[int]) -> None:
        """Splitting a cut final XZERO: Redis counts it as two bytes, so the string ends one
        byte before the new sequence does, and sdsIncrLen's terminator is overwritten by the
        sequence's last byte, which becomes the byte after the string."""
        self._replace(p, seq)
        last = self.ops[-1]
        if last > 255:  # still a cut XZERO, whose second byte is now the one after
            self.tail = last & 0xFF
        else:
            self.ops.pop()
            self.starts.pop()
            self.truncated = False
            self.tail = last
        self.covered = self.starts[-1] + _span(self.ops[-1]) if self.ops else 0

    def _merge_from(self, p: int) -> int:
        """Step 4 of ``hllSparseSet``: from the opcode before the changed one, up to five
        steps, fold adjacent VALs of one value whose lengths fit one opcode (each fold
        moves the terminator down over the byte after the string)."""
        ops, starts = self.ops, self.starts
        i = p - 1 if p > 0 else 0
        steps = 5
        while i < len(ops) and steps:
            steps -= 1
            op = ops[i]
            if not 0x80 <= op < 0x100:  # ZERO, XZERO
                i += 1
                continue
            if i + 1 < len(ops):
                nxt = ops[i + 1]
                if 0x80 <= nxt < 0x100 and (nxt >> 2) & 0x1F == (op >> 2) & 0x1F:
                    length = (op & 3) + (nxt & 3) + 2
                    if length <= SPARSE_VAL_MAX_LEN:
                        ops[i : i + 2] = [_val_op(((op >> 2) & 0x1F) + 1, length)]
                        del starts[i + 1]
                        self.size -= 1
                        if self.tail:
                            self._set_tail(0)  # the terminator moves down over it
                        continue
            i += 1
        invalidate(self.header)
        return 1

    def _promote_and_set(self, index: int, count: int) -> int:
        if not self.promote():
            return -1
        assert self.dense is not None
        changed = _dense_set(self.dense, index, count)
        assert changed
        return 1


# ---- registers of any value, and the estimate -------------------------------------------------


def raw_registers(value: bytes, tail: int = 0) -> bytes:
    """One byte per register of a valid HLL value (Corrupted for a broken sparse body)."""
    if value[4] == DENSE:
        return dense_to_raw(value[HEADER:])
    return bytes(sparse_body_to_raw(value[HEADER:], tail))


def merge_max(acc: bytes, other: bytes) -> bytes:
    """Register-wise maximum (``hllMerge`` into a raw array)."""
    if not any(other):
        return acc
    if not any(acc):
        return other
    return bytes(map(max, acc, other))


def histogram_of_raw(raw: bytes) -> list[int]:
    return [raw.count(v) for v in range(64)]


def histogram_of_value(value: bytes, tail: int = 0) -> list[int]:
    """``hllDenseRegHisto``/``hllSparseRegHisto``; Corrupted when the sparse runs do not
    add up to 16384 registers."""
    if value[4] == DENSE:
        return histogram_of_raw(dense_to_raw(value[HEADER:]))
    histo = [0] * 64
    for op in decode_sparse(value[HEADER:], tail=tail)[0]:
        histo[((op >> 2) & 0x1F) + 1 if _is_val(op) else 0] += _span(op)
    return histo


def _sigma(x: float) -> float:
    if x == 1.0:
        return math.inf
    y, z = 1.0, x
    while True:
        x *= x
        previous = z
        z += x * y
        y += y
        if previous == z:
            return z


def _tau(x: float) -> float:
    if x == 0.0 or x == 1.0:
        return 0.0
    y, z = 1.0, 1 - x
    while True:
        x = math.sqrt(x)
        previous = z
        y *= 0.5
        z -= math.pow(1 - x, 2) * y
        if previous == z:
            return z / 3


def estimate(histo: list[int]) -> int:
    """``hllCount``'s estimator (Ertl), rounded as ``llroundl`` does."""
    m = float(REGISTERS)
    z = m * _tau((m - histo[Q + 1]) / m)
    for j in range(Q, 0, -1):
        z += histo[j]
        z *= 0.5
    z += m * _sigma(histo[0] / m)
    e = ALPHA_INF * m * m / z
    whole = math.floor(e)
    return int(whole + 1 if e - whole >= 0.5 else whole)
