"""Cursor iteration shared by SCAN, HSCAN, SSCAN and ZSCAN.

Elements are visited in the order of a stable 63-bit hash of their bytes, and the cursor is
the hash to resume from. So, as Redis guarantees, an element present for the whole
iteration is returned, and one added or removed meanwhile may or may not be. The hash is
blake2b, never Python's ``hash()``, so the order is the same in every process.
"""

from __future__ import annotations

import heapq
from hashlib import blake2b
from typing import Callable, Iterable, TypeVar

from fakestash.errors import CommandError

T = TypeVar("T")

INVALID_CURSOR = "ERR invalid cursor"


def scan_position(item: bytes) -> int:
    """Where ``item`` sits in the iteration: 1 … 2**63 - 1 (0 means "done")."""
    return (int.from_bytes(blake2b(item, digest_size=8).digest(), "big") >> 1) | 1


def parse_cursor(raw: bytes) -> int:
    """Redis reads the cursor with strtoul: an unsigned 64-bit decimal, with an optional
    sign (``-1`` wraps to 2**64 - 1), no leading space; the empty string is cursor 0."""
    sign, digits = (raw[:1], raw[1:]) if raw[:1] in (b"+", b"-") else (b"", raw)
    if (digits and not digits.isdigit()) or (sign and not digits):
        raise CommandError(INVALID_CURSOR)
    value = int(digits) if digits else 0
    if value >= 2**64:
        raise CommandError(INVALID_CURSOR)
    return (-value) % 2**64 if sign == b"-" else value


def scan_page(
    items: Iterable[T], cursor: int, count: int, key: Callable[[T], bytes]
) -> tuple[int, list[T]]:
    """Up to ``count`` items from ``cursor`` on, and the cursor to resume from (0: done)."""
    ranked = ((scan_position(key(item)), i, item) for i, item in enumerate(items))
    candidates = [entry for entry in ranked if entry[0] >= cursor]
    page = heapq.nsmallest(count + 1, candidates)
    if len(page) <= count:
        return 0, [item for _, _, item in page]
    return page[count][0], [item for _, _, item in page[:count]]
