"""Cursor iteration shared by SCAN, HSCAN, SSCAN and ZSCAN: the cursor, the options, the page.

Elements are visited in scan-position order (``scan_index``): the cursor is the position to
resume from, so, as Redis guarantees, an element present for the whole iteration is
returned, and one added or removed meanwhile may or may not be.

Upstash's COUNT (``DEFAULT_COUNT``, ``deviations.py`` "scan-count"): a call reads exactly
COUNT elements (Redis reads about COUNT, by hash buckets, and a small collection whole),
then MATCH and TYPE filter what was read; without COUNT a call reads 100.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Protocol, Sequence

from fakestash._engine.args import parse_int
from fakestash._engine.scan_index import Page, ScanIndex, page_of
from fakestash._errors import SYNTAX, CommandError

INVALID_CURSOR = "ERR invalid cursor"

#: Elements one call reads when no COUNT is given (Redis: 10). Upstash answers
#: ``SCAN 0 MATCH hash`` on a database of a few dozen keys with cursor 0 in one call.
DEFAULT_COUNT = 100


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


class Scannable(Protocol):
    """A hash, set or sorted set: its size, its members in its own order, and the index it
    keeps once big (``scan_index.INDEX_THRESHOLD``)."""

    scan_index: ScanIndex | None

    def __len__(self) -> int: ...

    def scan_members(self) -> Iterable[bytes]: ...


def collection_page(value: Scannable, cursor: int, count: int) -> Page:
    """A page of HSCAN/SSCAN/ZSCAN. A collection that fits one page is answered whole, in
    its own order, whatever the cursor (as Redis answers a small collection; an iteration
    that began when it was bigger may see an element twice, never miss one); otherwise
    pages follow scan positions, from the index when the collection has one."""
    if len(value) <= count:
        return 0, list(value.scan_members())
    if value.scan_index is not None:
        return value.scan_index.page(cursor, count)
    return page_of(value.scan_members(), cursor, count)


@dataclass
class ScanOptions:
    """What follows the cursor of SCAN/HSCAN/SSCAN/ZSCAN."""

    pattern: bytes | None = None  # None: every element (no MATCH, or MATCH *)
    count: int = DEFAULT_COUNT
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
