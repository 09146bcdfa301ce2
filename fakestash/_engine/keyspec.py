"""Key specs: where a command's keys are among its arguments, as Redis declares them.

A key spec (Redis 7+, ``src/commands/*.json`` ``key_specs``; ``getKeysUsingKeySpecs`` in
redis/src/db.c) has three parts:

- where the search **begins**: at an ``index``, or just after a ``keyword`` searched for
  from ``startfrom`` (a negative ``startfrom`` searches backwards from the end);
- how keys are **found** from there: a ``range`` (``lastkey`` relative to the first key,
  negative counting from the end; every ``keystep``-th argument; with ``limit`` > 1 only the
  first 1/limit of the rest, as XREAD's ``STREAMS k1 k2 id1 id2``), or a ``keynum``: a count
  at ``keynumidx`` (relative to the begin), the keys from ``firstkey`` after it;
- ``flags``: how the keys are used (``RW``/``RO``/``OW``/``RM``, ``access``, ``update``,
  ``insert``, ``delete``, ``not_key``, ``incomplete``, ``variable_flags``).

The helpers ``key_at``, ``key_range``, ``key_count`` and ``key_after`` build the shapes.
From the specs come a command's keys (ACL key patterns, Upstash's key size limit, Lua's
``allow-key-locking``, COMMAND GETKEYS), the legacy (first, last, step) triple and the
``movablekeys`` flag COMMAND INFO shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

#: Key spec flags, in the order COMMAND INFO lists them.
KEY_FLAGS = (
    "RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete",
    "variable_flags",
)  # fmt: skip


@dataclass(frozen=True)
class KeySpec:
    """One key spec; ``key_at``, ``key_range``, ``key_count`` and ``key_after`` make them."""

    flags: tuple[str, ...]
    index: int = 0
    keyword: bytes = b""
    startfrom: int = 0
    lastkey: int = 0
    keystep: int = 1
    limit: int = 0
    keynumidx: int | None = None
    firstkey: int = 1

    def __post_init__(self) -> None:
        unknown = [flag for flag in self.flags if flag not in KEY_FLAGS]
        if unknown:
            raise ValueError(f"unknown key spec flags {unknown}; known: {', '.join(KEY_FLAGS)}")
        object.__setattr__(self, "flags", tuple(f for f in KEY_FLAGS if f in self.flags))

    @property
    def is_plain_range(self) -> bool:
        """Begins at an index and finds a range: the shape the legacy triple can hold."""
        return not self.keyword and self.keynumidx is None

    def positions(self, argv: Sequence[bytes]) -> range | None:
        """The argument positions of this spec's keys in a full argv: empty when its keyword
        is absent, None when the argv does not fit the spec (a bad count, out of range)."""
        argc = len(argv)
        first = _after_keyword(self, argv) if self.keyword else self.index
        if first is None:
            return range(0)
        step = self.keystep
        if self.keynumidx is not None:
            count = _count(argv[first + self.keynumidx]) if self.keynumidx < argc - first else None
            if count is None:
                return None
            first += self.firstkey
            last = first + (count - 1) * step  # count keys, ``step`` apart (MSETEX's pairs)
        elif self.lastkey >= 0:
            last = first + self.lastkey
        elif not self.limit:
            last = argc + self.lastkey
        else:
            last = first + ((argc - first) // self.limit + self.lastkey)
        if last >= argc or last < first or first >= argc:
            return None
        return range(first, last + 1, step)

    def info(self) -> list[object]:
        """The spec as COMMAND INFO describes it."""
        if self.keyword:
            begin: list[object] = ["type", "keyword", "spec"]
            begin.append(["keyword", self.keyword.decode(), "startfrom", self.startfrom])
        else:
            begin = ["type", "index", "spec", ["index", self.index]]
        if self.keynumidx is None:
            find: list[object] = ["type", "range", "spec"]
            find.append(["lastkey", self.lastkey, "keystep", self.keystep, "limit", self.limit])
        else:
            find = ["type", "keynum", "spec"]
            find.append(
                ["keynumidx", self.keynumidx, "firstkey", self.firstkey, "keystep", self.keystep]
            )
        return ["flags", list(self.flags), "begin_search", begin, "find_keys", find]


def _after_keyword(spec: KeySpec, argv: Sequence[bytes]) -> int | None:
    """Where the keys start after the spec's keyword, searched as Redis does (the search
    stops before the last argument going forward, before the first going back)."""
    argc = len(argv)
    start = spec.startfrom if spec.startfrom > 0 else argc + spec.startfrom
    end = argc - 1 if spec.startfrom > 0 else 1
    step = 1 if start <= end else -1
    wanted = spec.keyword.lower()
    for i in range(start, end, step):
        if i >= argc or i < 1:
            break
        if argv[i].lower() == wanted:
            return i + 1
    return None


def _count(raw: bytes) -> int | None:
    """A key count as ``string2ll`` reads it; None if it is not one or is negative."""
    try:
        count = int(raw)
    except ValueError:
        return None
    if count < 0 or raw != str(count).encode():
        return None
    return count


def _flags(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def key_at(index: int, flags: str) -> KeySpec:
    """One key at ``index``."""
    return KeySpec(_flags(flags), index=index)


def key_range(index: int, flags: str, last: int = -1, step: int = 1, limit: int = 0) -> KeySpec:
    """Keys from ``index`` to ``last`` (relative to ``index``; negative: from the end)."""
    return KeySpec(_flags(flags), index=index, lastkey=last, keystep=step, limit=limit)


def key_count(index: int, flags: str, keynumidx: int = 0, first: int = 1, step: int = 1) -> KeySpec:
    """A count at ``index + keynumidx``, then that many keys from ``index + first``."""
    return KeySpec(_flags(flags), index=index, keynumidx=keynumidx, firstkey=first, keystep=step)


def key_after(
    keyword: str, flags: str, startfrom: int = 1, last: int = 0, step: int = 1, limit: int = 0
) -> KeySpec:
    """Keys right after ``keyword`` (searched from ``startfrom``): a range from there."""
    return KeySpec(
        _flags(flags),
        keyword=keyword.encode(),
        startfrom=startfrom,
        lastkey=last,
        keystep=step,
        limit=limit,
    )


def find_keys(specs: Sequence[KeySpec], argv: Sequence[bytes]) -> list[bytes]:
    """The keys of a full argv (command name included), spec by spec, as Redis'
    ``getKeysUsingKeySpecs`` finds them (``not_key`` specs skipped). An argv that does not
    fit a spec, or an ``incomplete`` spec, gives no keys at all, as in Redis; the command
    itself then answers the argv's error."""
    found: list[bytes] = []
    for spec in specs:
        if "not_key" in spec.flags:
            continue
        span = spec.positions(argv)
        if span is None or "incomplete" in spec.flags:
            return []
        found += [argv[i] for i in span]
    return found


def legacy_range(specs: Sequence[KeySpec]) -> tuple[int, int, int, bool]:
    """COMMAND INFO's (first, last, step) and whether the keys are "movable"
    (``populateCommandLegacyRangeSpec``): the union of consecutive plain ranges of step 1."""
    if not specs:
        return 0, 0, 0, False
    if len(specs) == 1 and specs[0].is_plain_range:
        spec = specs[0]
        return (
            spec.index,
            _absolute_last(spec),
            spec.keystep,
            "incomplete" in spec.flags,
        )
    first, last, prev_last, movable = 1 << 31, 0, 0, False
    for spec in specs:
        if not spec.is_plain_range or spec.keystep != 1 or (
            prev_last and prev_last != spec.index - 1
        ):
            movable = True
            continue
        movable = movable or "incomplete" in spec.flags
        first = min(first, spec.index)
        last = _unsigned_max(last, _absolute_last(spec))
        prev_last = last
    if first == 1 << 31:
        return 0, 0, 0, True
    return first, last, 1, movable


def _absolute_last(spec: KeySpec) -> int:
    return spec.index + spec.lastkey if spec.lastkey >= 0 else spec.lastkey


def _unsigned_max(a: int, b: int) -> int:
    """``max((unsigned)a, (unsigned)b)``: a negative "from the end" position wins."""
    return a if (a % (1 << 32)) >= (b % (1 << 32)) else b
