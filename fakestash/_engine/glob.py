"""Redis' glob matching (``stringmatchlen``) for KEYS, SCAN MATCH, PSUBSCRIBE and friends."""

from __future__ import annotations

import re
from functools import lru_cache


def glob_match(pattern: bytes, subject: bytes, nocase: bool = False) -> bool:
    return compile_glob(pattern, nocase).fullmatch(subject) is not None


@lru_cache(maxsize=1024)
def compile_glob(pattern: bytes, nocase: bool = False) -> re.Pattern[bytes]:
    """Translate a Redis glob to a regex with the same meaning, quirks included:
    ``\\`` escapes the next byte, ``[^...]`` negates, ``[a-z]`` ranges work either way
    round, and an unclosed ``[`` class runs to the end of the pattern."""
    out: list[bytes] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == ord("*"):
            while i + 1 < n and pattern[i + 1] == ord("*"):
                i += 1
            out.append(b".*")
        elif c == ord("?"):
            out.append(b".")
        elif c == ord("["):
            i, cls = _char_class(pattern, i + 1)
            out.append(cls)
        elif c == ord("\\") and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i : i + 1]))
        else:
            out.append(re.escape(pattern[i : i + 1]))
        i += 1
    flags = re.DOTALL | (re.IGNORECASE if nocase else 0)
    return re.compile(b"".join(out), flags)


def _char_class(pattern: bytes, i: int) -> tuple[int, bytes]:
    """Parse ``[...]`` from just after the ``[``; return (index of its end, regex)."""
    n = len(pattern)
    negate = i < n and pattern[i] == ord("^")
    if negate:
        i += 1
    members: set[int] = set()
    while i < n and pattern[i] != ord("]"):
        c = pattern[i]
        if c == ord("\\") and i + 1 < n:
            i += 1
            members.add(pattern[i])
        elif i + 2 < n and pattern[i + 1] == ord("-"):
            lo, hi = sorted((c, pattern[i + 2]))
            members.update(range(lo, hi + 1))
            i += 2
        else:
            members.add(c)
        i += 1
    if i >= n:
        i = n - 1  # unclosed class: Redis stops at the end of the pattern
    if not members:
        return i, b"[^\\x00-\\xff]" if not negate else b"[\\x00-\\xff]"
    body = b"".join(b"\\x%02x" % m for m in sorted(members))
    return i, b"[" + (b"^" if negate else b"") + body + b"]"
