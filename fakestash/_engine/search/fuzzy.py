"""Edit distance for ``$fuzzy`` and ``$smart``: Levenshtein, optionally with transpositions
costing one (optimal string alignment, as Tantivy's Levenshtein automata), whole-term or
prefix (the term only has to *start* with something within the distance)."""

from __future__ import annotations


def within(query: str, term: str, distance: int, *, transpose: bool, prefix: bool) -> bool:
    """Whether ``term`` (or, with ``prefix``, one of its prefixes) is within ``distance``
    edits of ``query``."""
    if not prefix and abs(len(query) - len(term)) > distance:
        return False
    if distance == 0:
        return term.startswith(query) if prefix else term == query
    rows = len(query) + 1
    # table[i][j]: edits between query[:i] and term[:j]
    prev2: list[int] = []
    prev = list(range(rows))
    best = prev[-1]
    for j in range(1, len(term) + 1):
        cur = [j] + [0] * (rows - 1)
        for i in range(1, rows):
            cost = 0 if query[i - 1] == term[j - 1] else 1
            cur[i] = min(prev[i] + 1, cur[i - 1] + 1, prev[i - 1] + cost)
            if (
                transpose
                and i > 1
                and j > 1
                and query[i - 1] == term[j - 2]
                and query[i - 2] == term[j - 1]
            ):
                cur[i] = min(cur[i], prev2[i - 2] + 1)
        prev2, prev = prev, cur
        best = min(best, cur[-1])
        if min(cur) > distance:
            return prefix and best <= distance
    return (best if prefix else prev[-1]) <= distance
