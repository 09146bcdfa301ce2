"""Relevance: Tantivy's BM25 (k1 = 1.2, b = 0.75) over TEXT fields, and SCOREFUNC.

``idf = ln(1 + (N - n + 0.5) / (n + 0.5))`` with N the documents in the index and n those
holding the term; ``score = idf * (1 + k1) * tf / (tf + k1 * (1 - b + b * len / avglen))``
where avglen is the field's tokens over N. A phrase scores with the sum of its terms' idf and
its own frequency. Tantivy quantises field lengths (fieldnorms) into one byte; we use exact
lengths, so scores can differ slightly from Upstash's while orderings agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from fakestash._engine.search.index import Doc

K1 = 1.2
B = 0.75


class Corpus:
    """Per-query statistics of an index's documents (document frequencies are cached)."""

    def __init__(self, docs: list[Doc]) -> None:
        self.docs = docs
        self.n = len(docs)
        self._avg: dict[str, float] = {}
        self._df: dict[tuple[str, str], int] = {}

    def avg_length(self, name: str) -> float:
        avg = self._avg.get(name)
        if avg is None:
            total = sum(d.lengths.get(name, 0) for d in self.docs)
            avg = self._avg[name] = total / self.n if self.n else 0.0
        return avg

    def idf(self, name: str, term: str) -> float:
        df = self._df.get((name, term))
        if df is None:
            df = self._df[(name, term)] = sum(
                1 for d in self.docs if term in d.postings.get(name, {})
            )
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def bm25(self, name: str, idf: float, tf: int, length: int) -> float:
        avg = self.avg_length(name) or 1.0
        norm = K1 * (1 - B + B * length / avg)
        return idf * (1 + K1) * tf / (tf + norm)


MODIFIERS = ("NONE", "LOG", "LOG1P", "LOG2P", "LN", "LN1P", "LN2P", "SQUARE", "SQRT", "RECIPROCAL")
SCORE_MODES = ("SUM", "MULTIPLY", "REPLACE")
COMBINE_MODES = ("SUM", "MULTIPLY")


def modify(modifier: str, v: float) -> float | None:
    """A SCOREFUNC modifier; None where it is undefined for ``v``."""
    try:
        if modifier == "NONE":
            out = v
        elif modifier == "LOG":
            out = math.log10(v)
        elif modifier == "LOG1P":
            out = math.log10(1 + v)
        elif modifier == "LOG2P":
            out = math.log10(2 + v)
        elif modifier == "LN":
            out = math.log(v)
        elif modifier == "LN1P":
            out = math.log(1 + v)
        elif modifier == "LN2P":
            out = math.log(2 + v)
        elif modifier == "SQUARE":
            out = v * v
        elif modifier == "SQRT":
            out = math.sqrt(v)
        else:
            out = 1 / v
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return out if math.isfinite(out) else None


@dataclass
class FieldValue:
    name: str
    modifier: str = "NONE"
    factor: float = 1.0
    missing: float = 0.0


@dataclass
class ScoreFunc:
    """``SCOREFUNC [SCOREMODE m] [COMBINEMODE m] FIELDVALUE f [MODIFIER x] [FACTOR x]
    [MISSING x]…``. Defaults SUM/SUM, as the current command reference gives them."""

    fields: list[FieldValue] = field(default_factory=list)
    score_mode: str = "SUM"
    combine_mode: str = "SUM"

    def term(self, spec: FieldValue, value: float | None) -> float:
        v = spec.missing if value is None else value
        out = modify(spec.modifier, v)
        if out is None and value is not None:
            out = modify(spec.modifier, spec.missing)
        return spec.factor * (out if out is not None else 0.0)

    def apply(self, relevance: float, values: list[float | None]) -> float:
        terms = [self.term(spec, v) for spec, v in zip(self.fields, values)]
        combined = sum(terms) if self.combine_mode == "SUM" else math.prod(terms)
        if self.score_mode == "REPLACE":
            return combined
        if self.score_mode == "SUM":
            return relevance + combined
        return relevance * combined
