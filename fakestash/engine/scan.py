"""Cursor iteration shared by SCAN, HSCAN, SSCAN and ZSCAN.

Elements are visited in the order of a stable 63-bit hash of their bytes, and the cursor is
the hash to resume from. So, as Redis guarantees, an element present for the whole
iteration is returned, and one added or removed meanwhile may or may not be. The hash is
blake2b, never Python's ``hash()``, so the order is the same in every process.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Callable, Iterable, Sequence, TypeVar

from fakestash.engine.args import parse_int
from fakestash.errors import SYNTAX, CommandError

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


@dataclass
class ScanOptions:
    """What follows the cursor of SCAN/HSCAN/SSCAN/ZSCAN."""

    pattern: bytes | None = None  # None: every element (no MATCH, or MATCH *)
    count: int = 10
    values: dict[bytes, bytes] = field(default_factory=dict)  # extra options with a value
    flags: set[bytes] = field(default_factory=set)  # extra options without one


def parse_scan_options(
    args: Sequence[bytes], *, valued: Sequence[bytes] = (), flags: Sequence[bytes] = ()
) -> ScanOptions:
    """MATCH and COUNT (< 1 is a syntax error), plus a family's own options: ``valued``
    words take an argument (SCAN's TYPE), ``flags`` do not (NOVALUES, WITHTYPE)."""
    options = ScanOptions()
    i = 0
    while i < len(args):
        word, more = args[i].upper(), i + 1 < len(args)
        if word == b"COUNT" and more:
            options.count = parse_int(args[i + 1])
            if options.count < 1:
                raise CommandError(SYNTAX)
        elif word == b"MATCH" and more:
            options.pattern = None if args[i + 1] == b"*" else args[i + 1]
        elif word in valued and more:
            options.values[word] = args[i + 1]
        elif word in flags:
            options.flags.add(word)
            i += 1
            continue
        else:
            raise CommandError(SYNTAX)
        i += 2
    return options
