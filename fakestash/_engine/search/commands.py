"""The SEARCH.* commands' implementation: options parsed, indexes queried, replies built.

Declared in ``fakestash/_engine/commands/search.py`` (the ``search`` family), which imports
this module when a database first runs a SEARCH command: the search model (analysis with its
stemmers, filters, scoring, aggregations) costs tens of milliseconds to import. An index is
a key of type ``search``; aliases are per-database state. Reply shapes follow Upstash's
(see docs/commands/search.md): scores are doubles (bulk strings), a missing index answers
``null`` (QUERY, DESCRIBE, AGGREGATE), ``-1`` (COUNT) or ``0`` (WAITINDEXING, DROP,
REINDEX).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fakestash._engine.args import parse_int
from fakestash._engine.database import Database
from fakestash._engine.glob import compile_glob
from fakestash._engine.replies import Reply, format_double
from fakestash._engine.search import aggregations
from fakestash._engine.search.analysis import LANGUAGES
from fakestash._engine.search.filters import Node, parse
from fakestash._engine.search.highlight import highlight
from fakestash._engine.search.index import DATA_TYPES, HASH, STREAM, STRING, Doc, SearchIndex
from fakestash._engine.search.schema import DATE, NUMERIC, TEXT, Field, parse_schema
from fakestash._engine.search.scoring import (
    COMBINE_MODES,
    MODIFIERS,
    SCORE_MODES,
    Corpus,
    FieldValue,
    ScoreFunc,
)
from fakestash._engine.values.hash import HashValue
from fakestash._engine.values.json import Json, dumps
from fakestash._errors import SYNTAX, CommandError, WrongType

LIMIT_ERROR = "ERR limit should be a positive number less than 1000"
OFFSET_ERROR = "ERR offset should be a non-negative number less than 10000"
MAX_LIMIT = 1000
MAX_OFFSET = 10000


@dataclass
class SearchState:
    """Per-database search state that is not a key: aliases (alias -> index name)."""

    aliases: dict[bytes, bytes] = field(default_factory=dict)


def _state(db: Database) -> SearchState:
    return db.extension("search", SearchState)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _resolve(db: Database, name: bytes) -> tuple[bytes, SearchIndex] | None:
    """The index a name or alias designates (synced with the keyspace), or None."""
    value = db.lookup(name)
    if not isinstance(value, SearchIndex):
        target = _state(db).aliases.get(name)
        if target is None:
            return None
        value = db.lookup(target)
        if not isinstance(value, SearchIndex):
            return None
        name = target
    value.sync(db)
    return name, value


# ---- SEARCH.CREATE -------------------------------------------------------------------------


def search_create(db: Database, args: list[bytes]) -> Reply:
    """Create a search index over the HASH, JSON or STRING keys under some prefixes, or over
    the entries of one stream (ON STREAM key)."""
    name = args[0]
    data_type: str | None = None
    prefixes: list[bytes] | None = None
    stream: bytes | None = None
    language = "english"
    skip = exists_ok = False
    i = 1
    while i < len(args):
        word = _text(args[i]).upper()
        if word == "SCHEMA":
            break
        if word == "ON" and i + 1 < len(args):
            data_type = _text(args[i + 1]).upper()
            if data_type not in DATA_TYPES:
                raise CommandError(
                    f"ERR unknown data type '{_text(args[i + 1])}' "
                    "(expected HASH, JSON, STRING or STREAM)"
                )
            i += 2
            if data_type == STREAM:
                if i >= len(args) or _text(args[i]).upper() == "SCHEMA":
                    raise CommandError("ERR ON STREAM needs the stream key")
                stream, i = args[i], i + 1
        elif word == "PREFIX" and i + 1 < len(args):
            count = parse_int(args[i + 1])
            if count < 1 or i + 2 + count > len(args):
                raise CommandError("ERR PREFIX needs a count of at least 1 and that many prefixes")
            prefixes = args[i + 2 : i + 2 + count]
            i += 2 + count
        elif word == "LANGUAGE" and i + 1 < len(args):
            language = _text(args[i + 1]).lower()
            if language not in LANGUAGES:
                raise CommandError(f"ERR unsupported language '{_text(args[i + 1])}'")
            i += 2
        elif word == "SKIPINITIALSCAN":
            skip, i = True, i + 1
        elif word == "EXISTSOK":
            exists_ok, i = True, i + 1
        else:
            raise CommandError(SYNTAX)
    if i >= len(args):
        raise CommandError("ERR SCHEMA is required (and must come last)")
    if data_type is None:
        raise CommandError("ERR ON HASH|JSON|STRING|STREAM is required")
    if stream is not None:
        if prefixes is not None:
            raise CommandError("ERR PREFIX is not supported for stream indexes")
        prefixes = [stream]
    elif prefixes is None:
        raise CommandError("ERR PREFIX is required")
    else:
        _check_prefixes(prefixes)
    index = SearchIndex(data_type, prefixes, language, parse_schema(args[i + 1 :]))
    existing = db.lookup(name)
    if existing is not None:
        if not isinstance(existing, SearchIndex):
            raise WrongType()
        if exists_ok and existing.same_definition(index):
            return 0
        raise CommandError(f"ERR Index {_text(name)} already exists")
    if stream is not None:
        _check_stream_unbound(db, stream)
    if skip:
        index.skip_existing(db)
    else:
        index.sync(db)
    db.put(name, index)
    return 1


def _check_stream_unbound(db: Database, stream: bytes) -> None:
    """Only one index may be bound to a stream (Upstash docs redis/search/streams.mdx)."""
    keys = db.keys()
    for key in keys:
        other = db.lookup(key)
        if isinstance(other, SearchIndex) and other.data_type == STREAM and other.matches(stream):
            raise CommandError(
                f"ERR stream '{_text(stream)}' is already bound to index '{_text(key)}'"
            )


def _check_prefixes(prefixes: list[bytes]) -> None:
    for a_pos, a in enumerate(prefixes):
        for b in prefixes[a_pos + 1 :]:
            if a == b:
                raise CommandError(f"ERR duplicate prefix '{_text(a)}'")
            if a.startswith(b) or b.startswith(a):
                short, long = (a, b) if len(a) < len(b) else (b, a)
                raise CommandError(f"ERR prefix '{_text(short)}' covers prefix '{_text(long)}'")


# ---- SEARCH.QUERY / SEARCH.COUNT -----------------------------------------------------------


@dataclass
class QueryOptions:
    limit: int = 10
    offset: int = 0
    order_by: Field | None = None
    descending: bool = True
    select: list[str] | None = None
    nocontent: bool = False
    highlight: list[Field] | None = None
    tags: tuple[str, str] = ("<em>", "</em>")
    score_func: ScoreFunc | None = None


def _columnar(index: SearchIndex, raw: bytes, what: str, kinds: tuple[str, ...]) -> Field:
    name = _text(raw)
    f = index.by_name.get(name)
    if f is None:
        raise CommandError(f"ERR Unknown field: {name}")
    if f.type not in kinds:
        raise CommandError(f"ERR {what} is not supported on {f.type} field '{name}'")
    if not f.fast:
        raise CommandError(f"ERR {what} requires field '{name}' to be FAST")
    return f


def _parse_query_options(index: SearchIndex, args: list[bytes]) -> QueryOptions:
    opts = QueryOptions()
    i = 0
    while i < len(args):
        word = _text(args[i]).upper()
        rest = len(args) - i - 1
        if word == "LIMIT" and rest >= 1:
            opts.limit = _bounded(args[i + 1], 1, MAX_LIMIT, LIMIT_ERROR)
            if i + 2 < len(args) and args[i + 2].lstrip(b"-").isdigit():
                raise CommandError(LIMIT_ERROR)  # RediSearch's LIMIT offset count
            i += 2
        elif word == "OFFSET" and rest >= 1:
            opts.offset = _bounded(args[i + 1], 0, MAX_OFFSET, OFFSET_ERROR)
            i += 2
        elif word == "ORDERBY" and rest >= 1:
            opts.order_by = _columnar(index, args[i + 1], "ORDERBY", (*NUMERIC, DATE))
            i += 2
            if i < len(args) and _text(args[i]).upper() in ("ASC", "DESC"):
                opts.descending = _text(args[i]).upper() == "DESC"
                i += 1
        elif word == "NOCONTENT":
            opts.nocontent, i = True, i + 1
        elif word == "SELECT" and rest >= 1:
            count = parse_int(args[i + 1])
            if count < 0 or count > rest - 1:
                raise CommandError("ERR SELECT count does not match the fields given")
            opts.select = [_text(a) for a in args[i + 2 : i + 2 + count]]
            i += 2 + count
        elif word == "HIGHLIGHT":
            i = _parse_highlight(index, args, i + 1, opts)
        elif word == "SCOREFUNC":
            i = _parse_score_func(index, args, i + 1, opts)
        else:
            raise CommandError(SYNTAX)
    if opts.nocontent and (opts.select is not None or opts.highlight):
        raise CommandError("ERR NOCONTENT cannot be combined with SELECT or HIGHLIGHT")
    if opts.score_func is not None and opts.order_by is not None:
        raise CommandError("ERR SCOREFUNC cannot be combined with ORDERBY")
    return opts


def _bounded(raw: bytes, low: int, high: int, error: str) -> int:
    try:
        value = parse_int(raw, error)
    except CommandError:
        raise CommandError(error) from None
    if not low <= value <= high:
        raise CommandError(error)
    return value


def _parse_highlight(index: SearchIndex, args: list[bytes], i: int, opts: QueryOptions) -> int:
    if i + 1 >= len(args) or _text(args[i]).upper() != "FIELDS":
        raise CommandError("ERR HIGHLIGHT needs FIELDS count field…")
    count = parse_int(args[i + 1])
    if count < 0 or i + 2 + count > len(args):
        raise CommandError("ERR HIGHLIGHT FIELDS count does not match the fields given")
    fields = []
    for raw in args[i + 2 : i + 2 + count]:
        f = index.by_name.get(_text(raw))
        if f is None:
            raise CommandError(f"ERR Unknown field: {_text(raw)}")
        fields.append(f)
    opts.highlight = fields
    i += 2 + count
    if i < len(args) and _text(args[i]).upper() == "TAGS":
        if i + 2 >= len(args):
            raise CommandError("ERR HIGHLIGHT TAGS needs an open and a close tag")
        opts.tags = (_text(args[i + 1]), _text(args[i + 2]))
        i += 3
    return i


def _number_arg(raw: bytes, what: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise CommandError(f"ERR {what} must be a number") from None
    if value != value:
        raise CommandError(f"ERR {what} must be a number")
    return value


def _parse_score_func(index: SearchIndex, args: list[bytes], i: int, opts: QueryOptions) -> int:
    func = ScoreFunc()
    current: FieldValue | None = None
    while i < len(args):
        word = _text(args[i]).upper()
        if word not in ("SCOREMODE", "COMBINEMODE", "FIELDVALUE", "MODIFIER", "FACTOR", "MISSING"):
            break
        if i + 1 >= len(args):
            raise CommandError(f"ERR SCOREFUNC {word} needs a value")
        value = _text(args[i + 1]).upper()
        if word == "SCOREMODE":
            if value not in SCORE_MODES:
                raise CommandError(f"ERR unknown SCOREMODE '{_text(args[i + 1])}'")
            func.score_mode = value
        elif word == "COMBINEMODE":
            if value not in COMBINE_MODES:
                raise CommandError(f"ERR unknown COMBINEMODE '{_text(args[i + 1])}'")
            func.combine_mode = value
        elif word == "FIELDVALUE":
            f = _columnar(index, args[i + 1], "SCOREFUNC", NUMERIC)
            current = FieldValue(f.name)
            func.fields.append(current)
        elif current is None:
            raise CommandError(f"ERR SCOREFUNC {word} must follow a FIELDVALUE")
        elif word == "MODIFIER":
            if value not in MODIFIERS:
                raise CommandError(f"ERR unknown MODIFIER '{_text(args[i + 1])}'")
            current.modifier = value
        elif word == "FACTOR":
            current.factor = _number_arg(args[i + 1], "FACTOR")
        else:
            current.missing = _number_arg(args[i + 1], "MISSING")
        i += 2
    if not func.fields:
        raise CommandError("ERR SCOREFUNC needs at least one FIELDVALUE")
    opts.score_func = func
    return i


def _first_number(doc: Doc, f: Field) -> float | None:
    values = doc.values.get(f.name)
    if not values:
        return None
    v = values[0]
    if f.type == DATE:
        return int(v) / 1000.0  # dates order (and score) as epoch milliseconds
    return float(v)


def _matches(index: SearchIndex, node: Node) -> list[tuple[float, Doc]]:
    docs = index.ordered()
    corpus = Corpus(docs)
    out = []
    for doc in docs:
        score = node.score(doc, corpus)
        if score is not None:
            out.append((score, doc))
    return out


def _ranked(index: SearchIndex, node: Node, opts: QueryOptions) -> list[tuple[float, Doc]]:
    hits = _matches(index, node)
    if opts.score_func is not None:
        func = opts.score_func
        hits = [
            (
                func.apply(
                    score, [_first_number(doc, index.by_name[fv.name]) for fv in func.fields]
                ),
                doc,
            )
            for score, doc in hits
        ]
    if opts.order_by is None:
        hits.sort(key=lambda h: (-h[0], h[1].seq))
        return hits
    f = opts.order_by
    keyed = [(_first_number(doc, f), doc) for _, doc in hits]
    present = [(v, d) for v, d in keyed if v is not None]
    missing = [(0.0, d) for v, d in keyed if v is None]  # docs without the field go last
    sign = -1.0 if opts.descending else 1.0
    present.sort(key=lambda h: (sign * h[0], h[1].seq))
    return [(v, d) for v, d in present] + missing


def search_query(db: Database, args: list[bytes]) -> Reply:
    """Search an index with a JSON filter; hits with scores and (selected) content."""
    found = _resolve(db, args[0])
    if found is None:
        return None
    _, index = found
    node = parse(args[1], index)
    opts = _parse_query_options(index, args[2:])
    if db.in_block and not opts.nocontent:
        raise CommandError("ERR SEARCH.QUERY inside MULTI or a script needs NOCONTENT")
    page = _ranked(index, node, opts)[opts.offset : opts.offset + opts.limit]
    leaves = node.leaves() if opts.highlight else []
    out: list[Reply] = []
    for score, doc in page:
        hit: list[Reply] = [doc.key, format_double(score)]
        if not opts.nocontent:
            hit.append(_content(db, index, doc, opts, leaves))
        out.append(hit)
    return out


def search_count(db: Database, args: list[bytes]) -> Reply:
    """The number of documents a JSON filter matches (-1 if there is no such index)."""
    found = _resolve(db, args[0])
    if found is None:
        return -1
    return len(_matches(found[1], parse(args[1], found[1])))


# ---- content -------------------------------------------------------------------------------


def _content(
    db: Database, index: SearchIndex, doc: Doc, opts: QueryOptions, leaves: list[Node]
) -> Reply:
    marks = {f.path: f for f in opts.highlight or [] if f.type == TEXT}

    def mark(path: str, text: str) -> str:
        f = marks.get(path)
        if f is None:
            return text
        return highlight(text, f.name, index.analyzers[f.name], leaves, opts.tags)

    if index.data_type == STREAM:
        pairs = doc.source
        return _pairs_content(list(zip(pairs[0::2], pairs[1::2])), opts, mark)
    value = db.lookup(doc.key)
    if index.data_type == HASH:
        assert isinstance(value, HashValue)
        return _pairs_content(list(value.fields.items()), opts, mark)
    source: Json = doc.source
    if opts.select is not None:
        out: list[Reply] = []
        for path in opts.select:
            found, node = _at_path(source, path)
            if found:
                out.append([path.encode(), mark(path, _render(node)).encode()])
        return out
    if marks:
        source = _mark_json(source, "", mark)
    elif index.data_type == STRING:
        assert isinstance(value, bytes)
        return [[b"$", value]]
    return [[b"$", dumps(source).encode()]]


def _pairs_content(items: list[tuple[bytes, bytes]], opts: QueryOptions, mark: Any) -> Reply:
    """HASH fields or a stream entry's fields: all of them, or the SELECTed ones present
    (for a stream field given twice, its first value), highlighted where asked."""
    if opts.select is not None:
        first: dict[bytes, bytes] = {}
        for k, v in items:
            first.setdefault(k, v)
        wanted = [(p.encode(), first.get(p.encode())) for p in opts.select]
        items = [(k, v) for k, v in wanted if v is not None]
    return [[k, mark(_text(k), _text(v)).encode()] for k, v in items]


def _at_path(source: Any, path: str) -> tuple[bool, Any]:
    node = source
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _render(value: Any) -> str:
    """A selected JSON value as a string: strings unquoted, numbers and booleans as text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_double(value).decode()
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "null"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _mark_json(node: Any, path: str, mark: Any) -> Any:
    if isinstance(node, dict):
        return {k: _mark_json(v, f"{path}.{k}" if path else k, mark) for k, v in node.items()}
    if isinstance(node, list):
        return [mark(path, v) if isinstance(v, str) else v for v in node]
    if isinstance(node, str):
        return mark(path, node)
    return node


# ---- SEARCH.AGGREGATE ----------------------------------------------------------------------


def search_aggregate(db: Database, args: list[bytes]) -> Reply:
    """Aggregate (metrics and buckets) over the documents a JSON filter matches."""
    found = _resolve(db, args[0])
    if found is None:
        return None
    index = found[1]
    node = parse(args[1], index)
    specs = aggregations.parse(args[2], index)
    docs = [doc for _, doc in _matches(index, node)]
    return aggregations.run(specs, docs, index)


# ---- index management ----------------------------------------------------------------------


def search_describe(db: Database, args: list[bytes]) -> Reply:
    """The definition of an index (or of an alias' target); null if there is none."""
    found = _resolve(db, args[0])
    if found is None:
        return None
    name, index = found
    return [
        b"name",
        name,
        b"type",
        index.data_type.encode(),
        b"prefixes",
        list(index.prefixes),
        b"language",
        index.language.encode(),
        b"indexSize",
        len(index.docs),
        b"pendingUpdates",
        0,
        b"schema",
        [f.describe() for f in index.fields],
    ]


def search_waitindexing(db: Database, args: list[bytes]) -> Reply:
    """Wait until queued updates are visible (always at once here); 0 if no index."""
    return 0 if _resolve(db, args[0]) is None else 1


def search_reindex(db: Database, args: list[bytes]) -> Reply:
    """Rebuild an index from the current keys (SKIPINITIALSCAN keys included)."""
    found = _resolve(db, args[0])
    if found is None:
        return 0
    found[1].reindex(db)
    return 1


def search_drop(db: Database, args: list[bytes]) -> Reply:
    """Drop an index by its own name (documents and aliases stay)."""
    if not isinstance(db.lookup(args[0]), SearchIndex):
        return 0
    db.delete(args[0])
    return 1


def search_listindexes(db: Database, args: list[bytes]) -> Reply:
    """The indexes, sorted by name: [MATCH glob] [LIMIT n (0 = all)] [OFFSET n]."""
    pattern: bytes | None = None
    limit = offset = 0
    i = 0
    while i < len(args):
        word = _text(args[i]).upper()
        if i + 1 >= len(args) or word not in ("MATCH", "LIMIT", "OFFSET"):
            raise CommandError(SYNTAX)
        if word == "MATCH":
            pattern = args[i + 1]
        else:
            n = parse_int(args[i + 1])
            if n < 0:
                raise CommandError(f"ERR {word} must not be negative")
            if word == "LIMIT":
                limit = n
            else:
                offset = n
        i += 2
    match = compile_glob(pattern).fullmatch if pattern is not None else None
    keys = db.keys()
    names = sorted(
        key
        for key in keys
        if isinstance(db.lookup(key), SearchIndex) and (match is None or match(key))
    )
    names = names[offset : offset + limit] if limit else names[offset:]
    out: list[Reply] = []
    for name in names:
        index = db.lookup(name)
        assert isinstance(index, SearchIndex)
        out.append([b"name", name, b"type", index.data_type.encode()])
    return out


def search_aliasadd(db: Database, args: list[bytes]) -> Reply:
    """Point an alias at an index (which need not exist): 1 if new, 2 if updated."""
    aliases = _state(db).aliases
    existed = args[0] in aliases
    aliases[args[0]] = args[1]
    return 2 if existed else 1


def search_aliasdel(db: Database, args: list[bytes]) -> Reply:
    """Remove an alias: 1 if it existed, else 0."""
    return 1 if _state(db).aliases.pop(args[0], None) is not None else 0


def search_listaliases(db: Database, args: list[bytes]) -> Reply:
    """Every alias and its target, sorted by alias (dangling ones included)."""
    aliases = _state(db).aliases
    return [[alias, aliases[alias]] for alias in sorted(aliases)]
