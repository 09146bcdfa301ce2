"""The ``search`` key value: an index definition and its documents, synced lazily.

An index is a key of type ``search`` (``SCAN 0 TYPE search`` finds it). It covers the HASH,
JSON or STRING keys under its prefixes, or (``ON STREAM``) the entries of one stream key:
each entry is a document whose key is the entry ID. Documents are not
hooked into every write: before each query the index re-reads the keys under its prefixes
(cost O(keys in the database) plus O(size) of each matching value per query), re-projects
the ones whose value changed since the last sync, and forgets the ones that are gone. A
(re)projected document gets the next sequence number; ties in relevance come back in that
order, as Upstash returns tied hits in the order of their last (re)indexing. Within one sync,
changed keys are taken in keyspace (insertion) order. Since nothing is queued,
``pendingUpdates`` is always 0 and WAITINDEXING returns at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterator

from fakestash._engine.database import Database
from fakestash._engine.search.analysis import Analyzer
from fakestash._engine.search.schema import TEXT, Field
from fakestash._engine.search.values import Scalar, from_hash, from_json, from_stream
from fakestash._engine.values.hash import HashValue
from fakestash._engine.values.json import JsonValue, dumps
from fakestash._engine.values.memory import ROBJ
from fakestash._engine.values.stream import StreamValue, format_id

HASH = "HASH"
JSON = "JSON"
STRING = "STRING"
STREAM = "STREAM"
DATA_TYPES = (HASH, JSON, STRING, STREAM)


@dataclass
class Doc:
    """One indexed document: typed values per field, and postings for TEXT fields."""

    key: bytes
    seq: int
    fingerprint: Any
    values: dict[str, list[Scalar]] = field(default_factory=dict)
    postings: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    lengths: dict[str, int] = field(default_factory=dict)
    source: Any = None  # the parsed JSON object (JSON/STRING); the entry's pairs (STREAM)


class SearchIndex:
    """An index definition (immutable once created) and the documents it holds. Stored at
    its key, so it follows the value protocol (``fakestash/_engine/values/__init__.py``),
    but has no RDB form: DUMP refuses it."""

    type_name = "search"

    def __init__(
        self, data_type: str, prefixes: list[bytes], language: str, fields: list[Field]
    ) -> None:
        self.data_type = data_type
        self.prefixes = prefixes
        self.language = language
        self.fields = fields
        self.by_name = {f.name: f for f in fields}
        self.analyzers = {
            f.name: Analyzer(language, stem=not f.nostem, tokenize=not f.notokenize)
            for f in fields
            if f.type == TEXT
        }
        self.docs: dict[bytes, Doc] = {}
        self.skipped: dict[bytes, Any] = {}  # SKIPINITIALSCAN: key -> fingerprint at CREATE
        self.next_seq = 0

    def __len__(self) -> int:
        return 1

    def __bool__(self) -> bool:
        return True

    def memory_usage(self, samples: int) -> int:
        """MEMORY USAGE counts an index as a bare object (Upstash's figure is unknown)."""
        return ROBJ

    def reap(self, now_ms: int) -> bool:
        return False  # an index has no members with TTLs of their own

    def copy(self) -> SearchIndex:
        other = SearchIndex(self.data_type, list(self.prefixes), self.language, self.fields)
        other.docs = dict(self.docs)
        other.skipped = dict(self.skipped)
        other.next_seq = self.next_seq
        return other

    def same_definition(self, other: SearchIndex) -> bool:
        return (
            self.data_type == other.data_type
            and self.prefixes == other.prefixes
            and self.language == other.language
            and self.fields == other.fields
        )

    # ---- keyspace sync -----------------------------------------------------------------

    def matches(self, key: bytes) -> bool:
        if self.data_type == STREAM:
            return key == self.prefixes[0]
        return any(key.startswith(p) for p in self.prefixes)

    def _live(self, db: Database) -> Iterator[tuple[bytes, Any]]:
        if self.data_type == STREAM:
            yield from _stream_entries(db.lookup(self.prefixes[0]))
            return
        kind: type = {HASH: HashValue, JSON: JsonValue, STRING: bytes}[self.data_type]
        keys = db.keys()
        for key in keys:
            if not self.matches(key):
                continue
            value = db.lookup(key)
            if value is not None and type(value) is kind:
                yield key, value

    def skip_existing(self, db: Database) -> None:
        """SKIPINITIALSCAN: remember the current keys so only later writes index them."""
        self.skipped = {key: _fingerprint(value) for key, value in self._live(db)}

    def reindex(self, db: Database) -> None:
        """REINDEX: forget everything and project every current key again."""
        self.docs.clear()
        self.skipped.clear()
        self.sync(db)

    def sync(self, db: Database) -> None:
        """Bring the documents up to date with the keyspace (see the module docstring)."""
        live = dict(self._live(db))
        for key in [k for k in self.docs if k not in live]:
            del self.docs[key]
        for key in [k for k in self.skipped if k not in live]:
            del self.skipped[key]
        for key, value in live.items():
            fingerprint = _fingerprint(value)
            doc = self.docs.get(key)
            if doc is not None and doc.fingerprint == fingerprint:
                continue
            if key in self.skipped:
                if self.skipped[key] == fingerprint:
                    continue
                del self.skipped[key]
            self.docs.pop(key, None)
            new = self._project(key, value, fingerprint)
            if new is not None:
                self.docs[key] = new

    def ordered(self) -> list[Doc]:
        """Documents in index order (the order of their last (re)indexing)."""
        return sorted(self.docs.values(), key=lambda d: d.seq)

    # ---- projection ----------------------------------------------------------------------

    def _project(self, key: bytes, value: Any, fingerprint: Any) -> Doc | None:
        if self.data_type == STREAM:
            return self._project_entry(key, value, fingerprint)
        source: Any = None
        if self.data_type == HASH:
            assert isinstance(value, HashValue)
            hash_fields = value.fields
        else:
            source = value.data if isinstance(value, JsonValue) else _json_object(value)
            if not isinstance(source, dict):
                return None  # a STRING value must be a JSON object
        doc = Doc(key, self.next_seq, fingerprint, source=source)
        self.next_seq += 1
        for f in self.fields:
            if self.data_type == HASH:
                raw = hash_fields.get(f.path.encode())
                found = [] if raw is None else [from_hash(f.type, raw.decode("utf-8", "replace"))]
            else:
                found = [from_json(f.type, v) for v in json_values(source, f.path)]
            typed = [v for v in found if v is not None]
            if not typed:
                continue
            doc.values[f.name] = typed
            if f.type == TEXT:
                self._postings(doc, f, typed)
        return doc

    def _project_entry(self, sid: bytes, pairs: tuple[bytes, ...], fingerprint: Any) -> Doc | None:
        """A stream entry: its fields read as strings per type (a JSON array gives several
        values); an entry without one valid schema field is not a document."""
        values: dict[bytes, bytes] = {}
        for name, value in zip(pairs[0::2], pairs[1::2]):
            values.setdefault(name, value)  # a repeated field: its first value (our choice)
        doc = Doc(sid, self.next_seq, fingerprint, source=pairs)
        for f in self.fields:
            raw = values.get(f.path.encode())
            typed = [] if raw is None else from_stream(f.type, raw.decode("utf-8", "replace"))
            if not typed:
                continue
            doc.values[f.name] = typed
            if f.type == TEXT:
                self._postings(doc, f, typed)
        if not doc.values:
            return None
        self.next_seq += 1
        return doc

    def _postings(self, doc: Doc, f: Field, texts: list[Scalar]) -> None:
        analyzer = self.analyzers[f.name]
        postings: dict[str, list[int]] = {}
        position = 0
        for text in texts:
            tokens = analyzer.tokens(str(text))
            for token in tokens:
                postings.setdefault(token.term, []).append(position + token.position)
            position += len(tokens) + 1
        doc.postings[f.name] = postings
        doc.lengths[f.name] = sum(len(p) for p in postings.values())


def json_values(source: Any, path: str) -> list[Any]:
    """The values at a dotted path of a JSON object; an array gives each of its items."""
    node = source
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return []
        node = node[part]
    if isinstance(node, list):
        return [v for v in node if not isinstance(v, (list, dict))]
    return [node]


def _stream_entries(value: Any) -> Iterator[tuple[bytes, tuple[bytes, ...]]]:
    """(entry ID, its field/value pairs) of a stream; nothing for a missing key or another
    type."""
    if isinstance(value, StreamValue):
        for sid in value.ids:
            yield format_id(sid), tuple(value.entries[sid])


def _json_object(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _fingerprint(value: Any) -> Any:
    if isinstance(value, (bytes, tuple)):  # a string, or a stream entry's pairs
        return value
    if isinstance(value, HashValue):
        return tuple(value.fields.items())
    if isinstance(value, JsonValue):
        return dumps(value.data)
    return id(value)
