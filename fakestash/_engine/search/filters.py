"""The JSON filter language of SEARCH.QUERY / COUNT / AGGREGATE: parsing and evaluation.

A filter compiles to a tree of nodes; ``node.score(doc, corpus)`` is the relevance of a
matching document or None. Top-level keys are ANDed; ``{}`` matches every document (score
1.0). ``$must``/``$and``, ``$should``/``$or`` and ``$mustNot`` take an object (each key a
condition) or an array, and nest; ``$boost`` multiplies a clause's score. A boolean clause
with only ``$mustNot`` matches nothing (Tantivy's BooleanQuery). TEXT terms and phrases
score with BM25; fuzzy, regex and every non-text condition score a constant 1.0.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from fakestash._engine.search.analysis import Analyzer
from fakestash._engine.search.fuzzy import within
from fakestash._engine.search.index import Doc, SearchIndex
from fakestash._engine.search.schema import (
    BOOL,
    DATE,
    FACET,
    KEYWORD,
    NUMERIC,
    TEXT,
    Field,
)
from fakestash._engine.search.scoring import Corpus
from fakestash._engine.search.values import Scalar, from_hash, parse_date
from fakestash._errors import CommandError

TEXT_OPS = ("$eq", "$in", "$smart", "$phrase", "$fuzzy", "$regex")
RANGE_OPS = ("$gt", "$gte", "$lt", "$lte")
ALL_OPS = (*TEXT_OPS, *RANGE_OPS)
#: Weights of the $smart sub-queries (Upstash leaves them undocumented).
SMART_EXACT = 10.0
SMART_SLOP_PHRASE = 5.0
SMART_SLOP = 2
SMART_FUZZY = 0.5


def _ops_for(kind: str) -> tuple[str, ...]:
    if kind == TEXT:
        return TEXT_OPS
    if kind in (*NUMERIC, DATE, KEYWORD):
        return ("$eq", "$in", *RANGE_OPS)
    return ("$eq", "$in")


class Node:
    """A compiled condition."""

    def score(self, doc: Doc, corpus: Corpus) -> Optional[float]:
        raise NotImplementedError

    def leaves(self) -> list[Node]:
        """The positive term-like leaves (for HIGHLIGHT)."""
        return [self]

    def highlights(self, name: str, term: str) -> bool:
        """Whether an indexed ``term`` of field ``name`` is one this leaf matched."""
        return False


class MatchAll(Node):
    def score(self, doc: Doc, corpus: Corpus) -> Optional[float]:
        return 1.0


class MatchNone(Node):
    def score(self, doc: Doc, corpus: Corpus) -> Optional[float]:
        return None


@dataclass
class Bool(Node):
    must: list[Node] = field(default_factory=list)
    should: list[Node] = field(default_factory=list)
    must_not: list[Node] = field(default_factory=list)
    boost: float = 1.0

    def score(self, doc: Doc, corpus: Corpus) -> Optional[float]:
        if not self.must and not self.should:
            if self.must_not:
                return None  # only exclusions: Tantivy matches nothing
            return self.boost
        for node in self.must_not:
            if node.score(doc, corpus) is not None:
                return None
        total = 0.0
        for node in self.must:
            s = node.score(doc, corpus)
            if s is None:
                return None
            total += s
        matched = False
        for node in self.should:
            s = node.score(doc, corpus)
            if s is not None:
                matched = True
                total += s
        if not self.must and not matched:
            return None
        return total * self.boost

    def leaves(self) -> list[Node]:
        return [leaf for node in self.must + self.should for leaf in node.leaves()]


@dataclass
class Boosted(Node):
    node: Node
    boost: float

    def score(self, doc: Doc, corpus: Corpus) -> Optional[float]:
        s = self.node.score(doc, corpus)
        return None if s is None else s * self.boost

    def leaves(self) -> list[Node]:
        return self.node.leaves()


@dataclass
class Term(Node):
    name: str
    term: str

    def score(self, doc: Doc, corpus: Corpus) -> Optional[float]:
        positions = doc.postings.get(self.name, {}).get(self.term)
        if not positions:
            return None
        idf = corpus.idf(self.name, self.term)
        return corpus.bm25(self.name, idf, len(positions), doc.lengths[self.name])

    def highlights(self, name: str, term: str) -> bool:
        return name == self.name and term == self.term


@dataclass
class Phrase(Node):
    """Terms at consecutive positions (within ``slop`` moves); with ``prefix`` the last one
    only has to start with the given word."""

    name: str
    terms: list[str]
    slop: int = 0
    prefix: Optional[tuple[str, ...]] = None  # forms of the last word, as prefixes

    def _positions(self, postings: dict[str, list[int]]) -> list[list[int]]:
        lists = [postings.get(t, []) for t in self.terms]
        if self.prefix is not None:
            last = sorted(p for t, ps in postings.items() if t.startswith(self.prefix) for p in ps)
            lists.append(last)
        return lists

    def score(self, doc: Doc, corpus: Corpus) -> Optional[float]:
        postings = doc.postings.get(self.name)
        if not postings:
            return None
        lists = self._positions(postings)
        if any(not ps for ps in lists):
            return None
        freq = sum(1 for start in lists[0] if self._chain(lists, start))
        if not freq:
            return None
        idf = sum(corpus.idf(self.name, t) for t in self.terms)
        return corpus.bm25(self.name, idf, freq, doc.lengths[self.name])

    def _chain(self, lists: list[list[int]], start: int) -> bool:
        at = start
        for ps in lists[1:]:
            nxt = [p for p in ps if at < p <= at + 1 + self.slop]
            if not nxt:
                return False
            at = nxt[0]
        return True

    def highlights(self, name: str, term: str) -> bool:
        if name != self.name:
            return False
        return term in self.terms or (self.prefix is not None and term.startswith(self.prefix))


@dataclass
class Fuzzy(Node):
    name: str
    forms: tuple[str, ...]
    distance: int
    transpose: bool = True
    prefix: bool = False

    def score(self, doc: Doc, corpus: Corpus) -> Optional[float]:
        postings = doc.postings.get(self.name, {})
        return 1.0 if any(self.highlights(self.name, t) for t in postings) else None

    def highlights(self, name: str, term: str) -> bool:
        return name == self.name and any(
            within(f, term, self.distance, transpose=self.transpose, prefix=self.prefix)
            for f in self.forms
        )


@dataclass
class Regex(Node):
    name: str
    pattern: re.Pattern[str]

    def score(self, doc: Doc, corpus: Corpus) -> Optional[float]:
        postings = doc.postings.get(self.name, {})
        return 1.0 if any(self.pattern.fullmatch(t) for t in postings) else None

    def highlights(self, name: str, term: str) -> bool:
        return name == self.name and self.pattern.fullmatch(term) is not None


@dataclass
class Compare(Node):
    """A non-text condition on typed values (any value of a multi-valued field may match)."""

    name: str
    test: Callable[[Scalar], bool]

    def score(self, doc: Doc, corpus: Corpus) -> Optional[float]:
        values = doc.values.get(self.name)
        if values and any(self.test(v) for v in values):
            return 1.0
        return None


# ---- compiling ---------------------------------------------------------------------------


def parse(raw: bytes, index: SearchIndex) -> Node:
    """Compile a filter argument (a JSON object) against an index's schema."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise CommandError("ERR invalid filter: not valid JSON") from None
    if not isinstance(value, dict):
        raise CommandError("ERR invalid filter: must be a JSON object")
    return _Compiler(index).object(value)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CommandError(f"ERR {what} must be a number")
    return float(value)


class _Compiler:
    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    def object(self, obj: dict[str, Any]) -> Node:
        if not obj:
            return MatchAll()
        node = Bool()
        for key, value in obj.items():
            if key in ("$must", "$and"):
                node.must.extend(self.clauses(key, value))
            elif key in ("$should", "$or"):
                node.should.extend(self.clauses(key, value))
            elif key == "$mustNot":
                node.must_not.extend(self.clauses(key, value))
            elif key == "$boost":
                node.boost = _number(value, "$boost")
            elif key.startswith("$"):
                raise CommandError(f"ERR Unknown operator: {key}")
            else:
                node.must.append(self.field(key, value))
        return node

    def clauses(self, op: str, value: Any) -> list[Node]:
        if isinstance(value, dict):
            return [self.object({k: v}) for k, v in value.items()]
        if isinstance(value, list):
            out = []
            for item in value:
                if not isinstance(item, dict):
                    raise CommandError(f"ERR {op} items must be JSON objects")
                out.append(self.object(item))
            return out
        raise CommandError(f"ERR {op} takes an object or an array")

    def field(self, name: str, cond: Any) -> Node:
        f = self.index.by_name.get(name)
        if f is None:
            raise CommandError(f"ERR Unknown field: {name}")
        if not isinstance(cond, dict):
            return self.op(f, "$smart" if f.type == TEXT else "$eq", cond)
        boost = 1.0
        nodes: list[Node] = []
        for op, arg in cond.items():
            if op == "$boost":
                boost = _number(arg, "$boost")
                continue
            nodes.append(self.op(f, op, arg))
        if not nodes:
            raise CommandError(f"ERR field '{name}' has no operator")
        node = nodes[0] if len(nodes) == 1 else Bool(must=nodes)
        return node if boost == 1.0 else Boosted(node, boost)

    def op(self, f: Field, op: str, arg: Any) -> Node:
        if op not in ALL_OPS:
            raise CommandError(f"ERR Unknown field operator: {op}")
        if op not in _ops_for(f.type):
            raise CommandError(f"ERR Operator {op} is not supported for {f.type} field '{f.name}'")
        if op == "$in":
            if not isinstance(arg, list):
                raise CommandError(f"ERR $in on field '{f.name}' needs an array")
            if not arg:
                return MatchNone()
            return Bool(should=[self.op(f, "$eq", v) for v in arg])
        if f.type == TEXT:
            return _TextOps(f, self.index.analyzers[f.name]).build(op, arg)
        return _compare(f, op, arg)


def _compare(f: Field, op: str, arg: Any) -> Node:
    target = _typed(f, arg)
    if f.type == FACET and op == "$eq":
        path = str(target).rstrip("/")
        return Compare(f.name, lambda v: v == target or str(v).startswith(path + "/"))
    tests: dict[str, Callable[[Any], bool]] = {
        "$eq": lambda v: v == target,
        "$gt": lambda v: v > target,
        "$gte": lambda v: v >= target,
        "$lt": lambda v: v < target,
        "$lte": lambda v: v <= target,
    }
    return Compare(f.name, tests[op])


def _typed(f: Field, arg: Any) -> Scalar:
    if f.type in NUMERIC:
        if isinstance(arg, bool) or not isinstance(arg, (int, float, str)):
            raise CommandError(f"ERR field '{f.name}' ({f.type}) needs a number")
        if isinstance(arg, str):
            parsed = from_hash("F64", arg)
            if parsed is None:
                raise CommandError(f"ERR field '{f.name}' ({f.type}) needs a number")
            return parsed
        return arg
    if f.type == BOOL:
        if isinstance(arg, str) and arg.lower() in ("true", "false"):
            return arg.lower() == "true"
        if not isinstance(arg, bool):
            raise CommandError(f"ERR field '{f.name}' (BOOL) needs true or false")
        return arg
    if f.type == DATE:
        micros = parse_date(arg) if isinstance(arg, str) else None
        if micros is None:
            raise CommandError(f"ERR field '{f.name}' (DATE) needs an RFC 3339 date")
        return micros
    if not isinstance(arg, str):
        raise CommandError(f"ERR field '{f.name}' ({f.type}) needs a string")
    if f.type == FACET and not arg.startswith("/"):
        raise CommandError(f"ERR field '{f.name}' (FACET) needs a path starting with '/'")
    return arg


class _TextOps:
    def __init__(self, f: Field, analyzer: Analyzer) -> None:
        self.name = f.name
        self.analyzer = analyzer

    def build(self, op: str, arg: Any) -> Node:
        if op == "$eq":
            return self.exact(self.text(op, arg))
        if op == "$phrase":
            return self.phrase(arg)
        if op == "$fuzzy":
            return self.fuzzy(arg)
        if op == "$regex":
            pattern = self.text(op, arg)
            try:
                return Regex(self.name, re.compile(pattern, re.IGNORECASE))
            except re.error as exc:
                raise CommandError(f"ERR invalid $regex pattern: {exc}") from None
        return self.smart(self.text(op, arg))

    def text(self, op: str, arg: Any) -> str:
        if isinstance(arg, bool) or not isinstance(arg, (str, int, float)):
            raise CommandError(f"ERR {op} on field '{self.name}' needs a string")
        return arg if isinstance(arg, str) else json.dumps(arg)

    def forms(self, word: str) -> tuple[str, ...]:
        stemmed = self.analyzer.term(word)
        raw = word.lower()
        return (stemmed,) if stemmed == raw else (stemmed, raw)

    def exact(self, text: str) -> Node:
        terms = self.analyzer.terms(text)
        if not terms:
            return MatchNone()
        return Term(self.name, terms[0]) if len(terms) == 1 else Phrase(self.name, terms)

    def phrase(self, arg: Any) -> Node:
        if not isinstance(arg, dict):
            return self.exact(self.text("$phrase", arg))
        _known(arg, ("value", "slop", "prefix"), "$phrase")
        text = self.text("$phrase", arg.get("value"))
        slop = arg.get("slop", 0)
        prefix = arg.get("prefix", False)
        if isinstance(slop, bool) or not isinstance(slop, int) or slop < 0:
            raise CommandError("ERR $phrase slop must be a non-negative integer")
        if not isinstance(prefix, bool):
            raise CommandError("ERR $phrase prefix must be true or false")
        if slop and prefix:
            raise CommandError("ERR $phrase cannot have both slop and prefix")
        if not prefix:
            terms = self.analyzer.terms(text)
            if not terms:
                return MatchNone()
            return Term(self.name, terms[0]) if len(terms) == 1 else Phrase(self.name, terms, slop)
        words = self.analyzer.words(text)
        if not words:
            return MatchNone()
        head = [self.analyzer.term(w) for w in words[:-1]]
        return Phrase(self.name, head, 0, self.forms(words[-1]))

    def fuzzy(self, arg: Any) -> Node:
        if not isinstance(arg, dict):
            arg = {"value": self.text("$fuzzy", arg)}
        _known(arg, ("value", "distance", "transpositionCostOne", "prefix"), "$fuzzy")
        text = self.text("$fuzzy", arg.get("value"))
        distance = arg.get("distance", 1)
        if isinstance(distance, bool) or not isinstance(distance, int) or not 0 <= distance <= 2:
            raise CommandError("ERR $fuzzy distance must be 0, 1 or 2")
        transpose = arg.get("transpositionCostOne", True)
        prefix = arg.get("prefix", False)
        if not isinstance(transpose, bool) or not isinstance(prefix, bool):
            raise CommandError("ERR $fuzzy transpositionCostOne and prefix must be booleans")
        words = self.analyzer.words(text)
        if not words:
            return MatchNone()
        nodes: list[Node] = [
            Fuzzy(self.name, self.forms(w), distance, transpose, prefix) for w in words
        ]
        return nodes[0] if len(nodes) == 1 else Bool(must=nodes)

    def smart(self, text: str) -> Node:
        stripped = text.strip()
        if len(stripped) >= 2 and stripped[0] == stripped[-1] == '"':
            return self.exact(stripped[1:-1])
        words = self.analyzer.words(text)
        if not words:
            return MatchNone()
        terms = [self.analyzer.term(w) for w in words]
        should: list[Node] = []
        if len(terms) == 1:
            should.append(Boosted(Term(self.name, terms[0]), SMART_EXACT))
        else:
            should.append(Boosted(Phrase(self.name, terms), SMART_EXACT))
            should.append(Boosted(Phrase(self.name, terms, SMART_SLOP), SMART_SLOP_PHRASE))
            should.extend(Term(self.name, t) for t in dict.fromkeys(terms))
        for w in words:
            d = 1 if len(w) >= 4 else 0
            if d:
                should.append(Boosted(Fuzzy(self.name, self.forms(w), d), SMART_FUZZY))
        last = words[-1]
        should.append(
            Boosted(
                Fuzzy(self.name, self.forms(last), 1 if len(last) >= 4 else 0, prefix=True),
                SMART_FUZZY,
            )
        )
        return Bool(should=should)


def _known(arg: dict[str, Any], keys: tuple[str, ...], op: str) -> None:
    for key in arg:
        if key not in keys:
            raise CommandError(f"ERR unknown {op} option: {key}")
    if "value" not in arg:
        raise CommandError(f"ERR {op} needs a 'value'")
