"""SEARCH.* (Upstash Redis Search): the spec's live-test examples, reply shapes, errors.

Examples are the ones in the search spec §6 (from Upstash's live SDK tests); scores are
fakestash's deterministic BM25, so tests pin orderings and exact values only where the
spec gives them (ORDERBY, SCOREFUNC, constant scores).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash, ManualClock
from fakestash._engine.replies import Status
from tests.helpers import error, run

PRODUCTS = [
    ("Laptop Pro", "High performance laptop", "electronics", 1299.99, 50, True),
    ("Laptop Basic", "Budget friendly laptop", "electronics", 599.99, 100, True),
    ("Wireless Mouse", "Ergonomic wireless mouse", "electronics", 29.99, 200, True),
    ("USB Cable", "Fast charging USB cable", "accessories", 9.99, 500, True),
    ("Phone Case", "Protective phone case", "accessories", 19.99, 300, False),
]
LIMIT_ERROR = "ERR limit should be a positive number less than 1000"


def f(obj: Any) -> str:
    return json.dumps(obj)


def keys(reply: Any) -> list[bytes]:
    assert isinstance(reply, list)
    return [hit[0] for hit in reply]


@pytest.fixture
def products(stash: FakeStash) -> FakeStash:
    """Set P: a STRING index on ``p:`` over five products."""
    assert (
        run(
            stash,
            "SEARCH.CREATE", "p", "ON", "STRING", "PREFIX", "1", "p:", "SCHEMA",
            "name", "TEXT", "description", "TEXT", "category", "TEXT", "NOTOKENIZE",
            "price", "F64", "FAST", "stock", "U64", "FAST", "active", "BOOL",
        )
        == 1
    )
    for i, (name, desc, cat, price, stock, active) in enumerate(PRODUCTS):
        doc = {"name": name, "description": desc, "category": cat, "price": price,
               "stock": stock, "active": active}
        run(stash, "SET", f"p:{i}", json.dumps(doc))
    return stash


def query(stash: FakeStash, flt: Any, *opts: Any) -> Any:
    return run(stash, "SEARCH.QUERY", "p", f(flt), *opts)


# ---- CREATE ------------------------------------------------------------------------------


def test_index_name_is_a_key_of_type_search(products: FakeStash) -> None:
    assert run(products, "TYPE", "p") == Status("search")
    assert run(products, "SCAN", "0", "TYPE", "search") == [b"0", [b"p"]]
    assert error(products, "GET", "p").startswith("WRONGTYPE")


def test_create_twice_errors_and_existsok_returns_zero_for_same_definition(
    products: FakeStash,
) -> None:
    args = ["p", "ON", "STRING", "PREFIX", "1", "p:", "SCHEMA", "name", "TEXT"]
    assert error(products, "SEARCH.CREATE", *args) == "ERR Index p already exists"
    # EXISTSOK with a different schema still errors
    args_ok = ["p", "EXISTSOK", *args[1:]]
    assert error(products, "SEARCH.CREATE", *args_ok) == "ERR Index p already exists"
    run(products, "SEARCH.CREATE", "q", "ON", "hash", "PREFIX", 1, "q:", "SCHEMA", "a", "TEXT")
    again = ["q", "SKIPINITIALSCAN", "EXISTSOK", "ON", "HASH", "PREFIX", 1, "q:", "SCHEMA",
             "a", "TEXT"]
    assert run(products, "SEARCH.CREATE", *again) == 0


def test_create_on_existing_non_index_key_is_wrongtype(stash: FakeStash) -> None:
    run(stash, "SET", "idx", "x")
    err = error(stash, "SEARCH.CREATE", "idx", "ON", "HASH", "PREFIX", 1, "a:", "SCHEMA", "a", "TEXT")
    assert err.startswith("WRONGTYPE")


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["ON", "HASH", "PREFIX", 1, "a:"], "ERR SCHEMA is required (and must come last)"),
        (["PREFIX", 1, "a:", "SCHEMA", "a", "TEXT"], "ERR ON HASH|JSON|STRING|STREAM is required"),
        (["ON", "HASH", "SCHEMA", "a", "TEXT"], "ERR PREFIX is required"),
        (["ON", "LIST", "PREFIX", 1, "a:", "SCHEMA", "a", "TEXT"],
         "ERR unknown data type 'LIST' (expected HASH, JSON, STRING or STREAM)"),
        (["ON", "HASH", "PREFIX", 2, "a:", "a:", "SCHEMA", "a", "TEXT"], "ERR duplicate prefix 'a:'"),
        (["ON", "HASH", "PREFIX", 2, "a:", "a:b", "SCHEMA", "a", "TEXT"],
         "ERR prefix 'a:' covers prefix 'a:b'"),
        (["ON", "HASH", "PREFIX", 1, "a:", "LANGUAGE", "klingon", "SCHEMA", "a", "TEXT"],
         "ERR unsupported language 'klingon'"),
        (["ON", "HASH", "PREFIX", 1, "a:", "SCHEMA", "a", "STRING"],
         "ERR unknown field type 'STRING' for field 'a' (expected one of TEXT, U64, I64, F64, "
         "BOOL, DATE, KEYWORD, FACET)"),
        (["ON", "HASH", "PREFIX", 1, "a:", "SCHEMA", "a", "TEXT", "FAST"],
         "ERR FAST is not supported for TEXT field 'a'"),
        (["ON", "HASH", "PREFIX", 1, "a:", "SCHEMA", "a", "U64", "NOSTEM"],
         "ERR NOSTEM is only supported for TEXT fields, not 'a'"),
        (["ON", "HASH", "PREFIX", 1, "a:", "SCHEMA", "a", "TEXT", "a", "U64"],
         "ERR duplicate field 'a' in schema"),
        (["ON", "HASH", "PREFIX", 1, "a:", "SCHEMA"], "ERR SCHEMA needs at least one field"),
        (["ON", "HASH", "PREFIX", 1, "a:", "BOGUS", "SCHEMA", "a", "TEXT"], "ERR syntax error"),
    ],
)
def test_create_errors(stash: FakeStash, args: list[Any], text: str) -> None:
    assert error(stash, "SEARCH.CREATE", "i", *args) == text
    assert run(stash, "EXISTS", "i") == 0


def test_describe_reports_definition_with_from_and_options(stash: FakeStash) -> None:
    run(
        stash, "SEARCH.CREATE", "i", "ON", "JSON", "PREFIX", 2, "a:", "b:", "LANGUAGE",
        "German", "SCHEMA", "description", "TEXT", "descriptionExact", "TEXT", "FROM",
        "description", "NOSTEM", "title", "TEXT", "NOSTEM", "NOTOKENIZE", "price", "F64",
        "FAST", "tag", "KEYWORD", "at", "DATE", "FAST", "path", "FACET", "n", "I64", "AS", "x.n",
    )
    run(stash, "JSON.SET", "a:1", "$", '{"description":"x"}')
    assert run(stash, "SEARCH.DESCRIBE", "i") == [
        b"name", b"i", b"type", b"JSON", b"prefixes", [b"a:", b"b:"], b"language", b"german",
        b"indexSize", 1, b"pendingUpdates", 0, b"schema",
        [
            [b"description", b"TEXT"],
            [b"descriptionExact", b"TEXT", b"FROM", b"description", b"NOSTEM"],
            [b"title", b"TEXT", b"NOTOKENIZE", b"NOSTEM"],
            [b"price", b"F64", b"FAST"],
            [b"tag", b"KEYWORD"],
            [b"at", b"DATE", b"FAST"],
            [b"path", b"FACET"],
            [b"n", b"I64", b"FROM", b"x.n"],
        ],
    ]


# ---- QUERY: set P (spec §6) -----------------------------------------------------------------


def test_text_eq_returns_ties_in_insertion_order(products: FakeStash) -> None:
    reply = query(products, {"name": {"$eq": "Laptop"}})
    assert keys(reply) == [b"p:0", b"p:1"]
    assert all(float(hit[1]) > 0 for hit in reply)


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"name": {"$fuzzy": "laptopp"}}, [b"p:0", b"p:1"]),
        ({"name": {"$smart": "lapto"}}, [b"p:0", b"p:1"]),
        ({"name": "lapto"}, [b"p:0", b"p:1"]),
        ({"description": {"$phrase": "wireless mouse"}}, [b"p:2"]),
        ({"description": {"$phrase": {"value": "wireless mou", "prefix": True}}}, [b"p:2"]),
        ({"name": {"$regex": "Laptop.*"}}, [b"p:0", b"p:1"]),
        ({"price": {"$gt": 500}}, [b"p:0", b"p:1"]),
        ({"stock": {"$gte": 100}}, [b"p:1", b"p:2", b"p:3", b"p:4"]),
        ({"price": {"$lt": 50}}, [b"p:2", b"p:3", b"p:4"]),
        ({"stock": {"$lte": 50}}, [b"p:0"]),
        ({"active": {"$eq": False}}, [b"p:4"]),
        ({"active": False}, [b"p:4"]),
        ({"category": "accessories"}, [b"p:3", b"p:4"]),
        ({"stock": {"$in": [50, 500]}}, [b"p:0", b"p:3"]),
        ({"stock": {"$in": []}}, []),
        ({"name": {"$in": ["mouse", "cable"]}}, [b"p:2", b"p:3"]),
        ({"price": {"$gte": 10, "$lt": 30}}, [b"p:2", b"p:4"]),
    ],
)
def test_filter_operators(products: FakeStash, flt: Any, expected: list[bytes]) -> None:
    assert sorted(keys(query(products, flt))) == expected


def test_non_text_conditions_score_one(products: FakeStash) -> None:
    assert query(products, {"price": {"$gt": 500}}, "NOCONTENT") == [[b"p:0", b"1"], [b"p:1", b"1"]]
    assert query(products, {}, "NOCONTENT", "LIMIT", 2) == [[b"p:0", b"1"], [b"p:1", b"1"]]


def test_full_content_of_string_index_is_the_stored_json(products: FakeStash) -> None:
    reply = query(products, {"name": {"$eq": "Wireless Mouse"}})
    assert len(reply) == 1
    key, _score, content = reply[0]
    assert key == b"p:2"
    assert content[0][0] == b"$"
    assert json.loads(content[0][1])["price"] == 29.99


def test_nocontent_and_select(products: FakeStash) -> None:
    flt = {"name": {"$eq": "Wireless Mouse"}}
    nocontent = query(products, flt, "NOCONTENT")
    assert len(nocontent) == 1 and len(nocontent[0]) == 2
    selected = query(products, flt, "SELECT", 2, "price", "stock")
    assert selected[0][2] == [[b"price", b"29.99"], [b"stock", b"200"]]
    assert query(products, flt, "SELECT", 2, "active", "missing")[0][2] == [[b"active", b"true"]]


def test_limit_and_offset_page_through_hits(products: FakeStash) -> None:
    flt = {"category": {"$eq": "electronics"}}
    first = keys(query(products, flt, "LIMIT", 2))
    second = keys(query(products, flt, "LIMIT", 2, "OFFSET", 2))
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)


def test_orderby_scores_are_field_values(products: FakeStash) -> None:
    flt = {"category": {"$eq": "electronics"}}
    asc = query(products, flt, "ORDERBY", "price", "ASC", "LIMIT", 3, "NOCONTENT")
    assert asc == [[b"p:2", b"29.99"], [b"p:1", b"599.99"], [b"p:0", b"1299.99"]]
    desc = query(products, flt, "ORDERBY", "price", "DESC", "NOCONTENT")
    assert keys(desc) == [b"p:0", b"p:1", b"p:2"]
    assert keys(query(products, flt, "orderby", "price", "NOCONTENT")) == keys(desc)


def test_highlight_wraps_matched_terms(products: FakeStash) -> None:
    reply = query(
        products, {"category": {"$eq": "electronics"}}, "SELECT", 1, "category",
        "HIGHLIGHT", "FIELDS", 1, "category",
    )
    assert [hit[2] for hit in reply] == [[[b"category", b"<em>electronics</em>"]]] * 3
    tagged = query(
        products, {"description": "laptop"}, "SELECT", 1, "description", "HIGHLIGHT",
        "FIELDS", 1, "description", "TAGS", "[", "]",
    )
    assert tagged[0][2] == [[b"description", b"High performance [laptop]"]]
    full = query(products, {"name": {"$eq": "mouse"}}, "HIGHLIGHT", "FIELDS", 1, "name")
    assert json.loads(full[0][2][0][1])["name"] == "Wireless <em>Mouse</em>"
    plain = query(products, {"name": {"$eq": "mouse"}}, "HIGHLIGHT", "FIELDS", 0)
    assert json.loads(plain[0][2][0][1])["name"] == "Wireless Mouse"


@pytest.mark.parametrize(
    ("opts", "text"),
    [
        (["LIMIT", 0], LIMIT_ERROR),
        (["LIMIT", 1001], LIMIT_ERROR),
        (["LIMIT", "x"], LIMIT_ERROR),
        (["LIMIT", 20, 10], LIMIT_ERROR),
        (["OFFSET", 10001], "ERR offset should be a non-negative number less than 10000"),
        (["OFFSET", -1], "ERR offset should be a non-negative number less than 10000"),
        (["ORDERBY", "name"], "ERR ORDERBY is not supported on TEXT field 'name'"),
        (["ORDERBY", "nope"], "ERR Unknown field: nope"),
        (["NOCONTENT", "SELECT", 1, "name"],
         "ERR NOCONTENT cannot be combined with SELECT or HIGHLIGHT"),
        (["NOCONTENT", "HIGHLIGHT", "FIELDS", 1, "name"],
         "ERR NOCONTENT cannot be combined with SELECT or HIGHLIGHT"),
        (["ORDERBY", "price", "SCOREFUNC", "FIELDVALUE", "stock"],
         "ERR SCOREFUNC cannot be combined with ORDERBY"),
        (["SCOREFUNC", "SCOREMODE", "SUM"], "ERR SCOREFUNC needs at least one FIELDVALUE"),
        (["SCOREFUNC", "MODIFIER", "LOG"], "ERR SCOREFUNC MODIFIER must follow a FIELDVALUE"),
        (["SCOREFUNC", "SCOREMODE", "MAX", "FIELDVALUE", "price"], "ERR unknown SCOREMODE 'MAX'"),
        (["SCOREFUNC", "FIELDVALUE", "price", "MODIFIER", "CUBE"], "ERR unknown MODIFIER 'CUBE'"),
        (["SELECT", 3, "a"], "ERR SELECT count does not match the fields given"),
        (["WITHSCORES"], "ERR syntax error"),
    ],
)
def test_query_option_errors(products: FakeStash, opts: list[Any], text: str) -> None:
    assert error(products, "SEARCH.QUERY", "p", "{}", *opts) == text


def test_orderby_and_scorefunc_need_fast_fields(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "HASH", "PREFIX", 1, "h:", "SCHEMA", "n", "U64")
    assert error(stash, "SEARCH.QUERY", "i", "{}", "ORDERBY", "n") == (
        "ERR ORDERBY requires field 'n' to be FAST"
    )
    assert error(stash, "SEARCH.QUERY", "i", "{}", "SCOREFUNC", "FIELDVALUE", "n") == (
        "ERR SCOREFUNC requires field 'n' to be FAST"
    )


@pytest.mark.parametrize(
    ("flt", "text"),
    [
        ('{"name": {"$not": "x"}}', "ERR Unknown field operator: $not"),
        ('{"name": {"$ne": "x"}}', "ERR Unknown field operator: $ne"),
        ('{"price": {"$regex": "x"}}', "ERR Operator $regex is not supported for F64 field 'price'"),
        ('{"name": {"$gt": "x"}}', "ERR Operator $gt is not supported for TEXT field 'name'"),
        ('{"nope": 1}', "ERR Unknown field: nope"),
        ('{"$nor": []}', "ERR Unknown operator: $nor"),
        ('{"price": {"$gt": "abc"}}', "ERR field 'price' (F64) needs a number"),
        ('{"active": {"$eq": 1}}', "ERR field 'active' (BOOL) needs true or false"),
        ('{"name": {"$fuzzy": {"value": "x", "distance": 3}}}', "ERR $fuzzy distance must be 0, 1 or 2"),
        ('{"name": {"$phrase": {"value": "a b", "slop": 1, "prefix": true}}}',
         "ERR $phrase cannot have both slop and prefix"),
        ('{"name": {"$regex": "("}}', "ERR invalid $regex pattern: missing ), unterminated subpattern at position 0"),
        ("[1]", "ERR invalid filter: must be a JSON object"),
        ("{", "ERR invalid filter: not valid JSON"),
    ],
)
def test_filter_errors(products: FakeStash, flt: str, text: str) -> None:
    assert error(products, "SEARCH.QUERY", "p", flt) == text
    assert error(products, "SEARCH.COUNT", "p", flt) == text


# ---- boolean operators and boosts ------------------------------------------------------------


def test_must_should_must_not(products: FakeStash) -> None:
    electronics = {"category": "electronics"}
    assert sorted(keys(query(products, {"$must": [electronics, {"price": {"$lt": 1000}}]}))) == [
        b"p:1", b"p:2"
    ]
    assert sorted(keys(query(products, {"$or": {"name": "mouse", "stock": {"$gte": 500}}}))) == [
        b"p:2", b"p:3"
    ]
    assert sorted(keys(query(products, {**electronics, "$mustNot": [{"name": "mouse"}]}))) == [
        b"p:0", b"p:1"
    ]
    # $mustNot alone matches nothing (Tantivy's BooleanQuery with only exclusions)
    assert query(products, {"$mustNot": [{"name": "mouse"}]}) == []
    # $should beside a must is an optional booster: order changes, the hit set does not
    boosted = query(products, {**electronics, "$should": {"name": {"$eq": "basic", "$boost": 5}}})
    assert keys(boosted)[0] == b"p:1" and len(boosted) == 3


def test_boost_multiplies_and_negative_boost_demotes(products: FakeStash) -> None:
    base = query(products, {"description": "laptop"}, "NOCONTENT")
    doubled = query(products, {"description": "laptop", "$boost": 2}, "NOCONTENT")
    assert [float(s) * 2 for _, s in base] == pytest.approx([float(s) for _, s in doubled])
    flt = {"$should": [{"name": {"$eq": "laptop"}}, {"name": {"$eq": "pro", "$boost": -10}}]}
    assert keys(query(products, flt)) == [b"p:1", b"p:0"]


def test_bm25_prefers_shorter_fields_and_rarer_terms(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "HASH", "PREFIX", 1, "d:", "SCHEMA", "t", "TEXT")
    run(stash, "HSET", "d:1", "t", "apple banana cherry date elderberry")
    run(stash, "HSET", "d:2", "t", "apple")
    run(stash, "HSET", "d:3", "t", "banana banana")
    assert keys(run(stash, "SEARCH.QUERY", "i", f({"t": {"$eq": "apple"}}))) == [b"d:2", b"d:1"]
    reply = run(stash, "SEARCH.QUERY", "i", f({"t": {"$eq": "apple"}}), "NOCONTENT")
    # N=3, n=2: idf = ln(1 + 1.5/2.5); d:2 has tf 1, length 1; avg length 8/3
    idf = math.log(1 + 1.5 / 2.5)
    expected = idf * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 1 / (8 / 3)))
    assert float(reply[0][1]) == pytest.approx(expected)


# ---- analysis: stemming, FROM, NOTOKENIZE ---------------------------------------------------


def test_stemming_and_nostem_from_alias(stash: FakeStash) -> None:
    run(
        stash, "SEARCH.CREATE", "i", "ON", "JSON", "PREFIX", 1, "k", "SCHEMA",
        "content", "TEXT", "contentExact", "TEXT", "NOSTEM", "FROM", "content",
    )
    run(stash, "JSON.SET", "k1", "$", '{"content":"running fast"}')
    run(stash, "JSON.SET", "k2", "$", '{"content":"runner on track"}')
    q = lambda flt: run(stash, "SEARCH.QUERY", "i", f(flt))  # noqa: E731
    assert keys(q({"content": {"$eq": "run"}})) == [b"k1"]
    assert q({"contentExact": {"$eq": "run"}}) == []
    hit = q({"contentExact": {"$eq": "running"}})
    assert keys(hit) == [b"k1"]
    assert json.loads(hit[0][2][0][1]) == {"content": "running fast"}


def test_hash_alias_reads_the_source_field(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "HASH", "PREFIX", 1, "k", "SCHEMA", "title", "TEXT", "AS", "name")
    run(stash, "HSET", "k", "name", "hello world", "title", "other")
    assert keys(run(stash, "SEARCH.QUERY", "i", f({"title": "hello"}))) == [b"k"]
    assert run(stash, "SEARCH.QUERY", "i", f({"title": {"$eq": "other"}})) == []


def test_tokenizer_splits_on_non_alphanumerics(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "HASH", "PREFIX", 1, "k", "SCHEMA", "sku", "TEXT")
    run(stash, "HSET", "k1", "sku", "SKU-12345-BLK")
    assert run(stash, "SEARCH.COUNT", "i", f({"sku": {"$eq": "blk"}})) == 1
    assert run(stash, "SEARCH.COUNT", "i", f({"sku": {"$eq": "sku 12345"}})) == 1
    assert run(stash, "SEARCH.COUNT", "i", f({"sku": {"$eq": "12345 sku"}})) == 0


# ---- other field types ---------------------------------------------------------------------


def test_keyword_fields_are_whole_case_sensitive_terms(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "HASH", "PREFIX", 1, "t:", "SCHEMA", "status", "KEYWORD")
    for i, status in enumerate(["open", "closed", "open", "in_progress", "closed"]):
        run(stash, "HSET", f"t:{i}", "status", status)
    count = lambda flt: run(stash, "SEARCH.COUNT", "i", f(flt))  # noqa: E731
    assert count({"status": {"$eq": "open"}}) == 2
    assert count({"status": "Open"}) == 0
    assert count({"status": {"$in": ["open", "closed"]}}) == 4
    assert count({"status": {"$lt": "open"}}) == 3
    assert count({"status": {"$gt": "in_progress"}}) == 2


def test_facet_eq_matches_descendants(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "JSON", "PREFIX", 1, "f:", "SCHEMA", "cat", "FACET")
    paths = ["/electronics/computers", "/electronics/peripherals", "/electronics/peripherals",
             "/books/fiction", "/clothing/tops"]
    for i, path in enumerate(paths):
        run(stash, "JSON.SET", f"f:{i}", "$", json.dumps({"cat": path}))
    count = lambda flt: run(stash, "SEARCH.COUNT", "i", f(flt))  # noqa: E731
    assert count({"cat": {"$eq": "/electronics/peripherals"}}) == 2
    assert count({"cat": {"$in": ["/electronics/peripherals", "/books/fiction"]}}) == 3
    assert count({"cat": {"$eq": "/electronics"}}) == 3
    assert count({"cat": {"$eq": "/electro"}}) == 0


def test_date_ranges_and_orderby(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "HASH", "PREFIX", 1, "a:", "SCHEMA", "at", "DATE", "FAST")
    for i, day in enumerate(["2026-01-10", "2026-01-20", "2026-02-05"], 1):
        run(stash, "HSET", f"a:{i}", "at", f"{day}T10:00:00Z")
    q = lambda flt, *o: keys(run(stash, "SEARCH.QUERY", "i", f(flt), *o))  # noqa: E731
    jan = {"at": {"$gte": "2026-01-01T00:00:00Z", "$lt": "2026-02-01T00:00:00Z"}}
    assert q(jan) == [b"a:1", b"a:2"]
    assert q({"at": {"$gt": "2026-01-15T00:00:00Z"}}) == [b"a:2", b"a:3"]
    assert q({"at": {"$lt": "2026-01-15"}}) == [b"a:1"]
    assert q({}, "ORDERBY", "at", "DESC") == [b"a:3", b"a:2", b"a:1"]
    # DATE sort scores are epoch milliseconds
    assert run(stash, "SEARCH.QUERY", "i", "{}", "ORDERBY", "at", "ASC", "LIMIT", 1, "NOCONTENT") == [
        [b"a:1", b"1768039200000"]
    ]


def test_hash_index_sort_and_content(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "HASH", "PREFIX", 1, "s:", "SCHEMA", "name", "TEXT", "score", "U64", "FAST")
    for name, score in [("Alice", 95), ("Bob", 87), ("Charlie", 92)]:
        run(stash, "HSET", f"s:{name}", "name", name, "score", score, "extra", "x")
    reply = run(stash, "SEARCH.QUERY", "i", f({"score": {"$gte": 80}}), "ORDERBY", "score", "DESC")
    assert keys(reply) == [b"s:Alice", b"s:Charlie", b"s:Bob"]
    assert reply[0] == [b"s:Alice", b"95", [[b"name", b"Alice"], [b"score", b"95"], [b"extra", b"x"]]]


def test_nested_paths_and_select(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "JSON", "PREFIX", 1, "post:", "SCHEMA",
        "author.name", "TEXT", "stats.views", "U64", "FAST")
    docs = [("John Doe", "john@example.com", 1000), ("Jane Smith", "jane@example.com", 500),
            ("John Doe", "john@example.com", 2000)]
    for i, (name, email, views) in enumerate(docs, 1):
        doc = {"author": {"name": name, "email": email}, "stats": {"views": views}}
        run(stash, "JSON.SET", f"post:{i}", "$", json.dumps(doc))
    q = lambda flt, *o: run(stash, "SEARCH.QUERY", "i", f(flt), *o)  # noqa: E731
    assert keys(q({"author.name": {"$eq": "John"}})) == [b"post:1", b"post:3"]
    assert keys(q({"stats.views": {"$gte": 1000}})) == [b"post:1", b"post:3"]
    reply = q({"author.name": {"$eq": "John"}}, "SELECT", 1, "author.email", "ORDERBY", "stats.views", "DESC")
    assert reply == [
        [b"post:3", b"2000", [[b"author.email", b"john@example.com"]]],
        [b"post:1", b"1000", [[b"author.email", b"john@example.com"]]],
    ]


def test_wrong_typed_values_skip_only_that_field(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "JSON", "PREFIX", 1, "w:", "SCHEMA", "n", "F64", "t", "TEXT")
    run(stash, "JSON.SET", "w:1", "$", '{"n":"abc","t":"hello"}')
    run(stash, "SET", "w:2", "not a json document")  # other Redis types are ignored
    assert run(stash, "SEARCH.COUNT", "i", f({"t": "hello"})) == 1
    assert run(stash, "SEARCH.COUNT", "i", f({"n": {"$gte": 0}})) == 0
    assert run(stash, "SEARCH.COUNT", "i", "{}") == 1


def test_string_index_ignores_values_that_are_not_json_objects(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "STRING", "PREFIX", 1, "s:", "SCHEMA", "t", "TEXT")
    run(stash, "SET", "s:1", '{"t":"hi"}')
    run(stash, "SET", "s:2", "[1,2]")
    run(stash, "SET", "s:3", "plain")
    assert run(stash, "SEARCH.COUNT", "i", "{}") == 1


# ---- SCOREFUNC -----------------------------------------------------------------------------


@pytest.fixture
def scored(stash: FakeStash) -> FakeStash:
    run(stash, "SEARCH.CREATE", "s", "ON", "HASH", "PREFIX", 1, "s:", "SCHEMA",
        "name", "TEXT", "popularity", "U64", "FAST", "recency", "U64", "FAST")
    rows = [("Laptop Pro", 1000, 100), ("Laptop Basic", 500, 200), ("Laptop Air", 2000, 50)]
    for i, (name, pop, rec) in enumerate(rows):
        run(stash, "HSET", f"s:{i}", "name", name, "popularity", pop, "recency", rec)
    run(stash, "HSET", "s:3", "name", "Laptop Missing", "recency", 150)
    return stash


def scores(stash: FakeStash, *opts: Any) -> dict[bytes, float]:
    reply = run(stash, "SEARCH.QUERY", "s", f({"name": {"$eq": "Laptop"}}), "NOCONTENT", *opts)
    return {k: float(s) for k, s in reply}


def test_scorefunc_replace_and_modifiers(scored: FakeStash) -> None:
    assert scores(scored, "SCOREFUNC", "SCOREMODE", "REPLACE", "FIELDVALUE", "popularity") == {
        b"s:2": 2000, b"s:0": 1000, b"s:1": 500, b"s:3": 0
    }
    logs = scores(scored, "SCOREFUNC", "SCOREMODE", "REPLACE", "FIELDVALUE", "popularity",
                  "MODIFIER", "LOG1P", "FACTOR", "2")
    assert logs[b"s:2"] == pytest.approx(2 * math.log10(2001))
    both = scores(scored, "SCOREFUNC", "COMBINEMODE", "SUM", "SCOREMODE", "REPLACE",
                  "FIELDVALUE", "popularity", "MODIFIER", "LOG1P",
                  "FIELDVALUE", "recency", "MODIFIER", "LOG1P")
    assert both[b"s:2"] == pytest.approx(5.00882, abs=1e-5)
    assert both[b"s:0"] == pytest.approx(5.00476, abs=1e-5)
    product = scores(scored, "SCOREFUNC", "COMBINEMODE", "MULTIPLY", "SCOREMODE", "REPLACE",
                     "FIELDVALUE", "popularity", "FIELDVALUE", "recency")
    assert product[b"s:0"] == product[b"s:1"] == product[b"s:2"] == 100000
    missing = scores(scored, "SCOREFUNC", "SCOREMODE", "REPLACE", "FIELDVALUE", "popularity",
                     "MODIFIER", "LOG1P", "MISSING", "1")
    assert missing[b"s:3"] == pytest.approx(math.log10(2))


def test_scorefunc_default_modes_sum_onto_relevance(scored: FakeStash) -> None:
    relevance = scores(scored)
    summed = scores(scored, "SCOREFUNC", "FIELDVALUE", "popularity")
    assert summed[b"s:0"] == pytest.approx(relevance[b"s:0"] + 1000)
    multiplied = scores(scored, "SCOREFUNC", "SCOREMODE", "MULTIPLY", "FIELDVALUE", "recency")
    assert multiplied[b"s:1"] == pytest.approx(relevance[b"s:1"] * 200)
    order = run(scored, "SEARCH.QUERY", "s", f({"name": "laptop"}), "NOCONTENT", "SCOREFUNC", "FIELDVALUE", "popularity")
    assert keys(order) == [b"s:2", b"s:0", b"s:1", b"s:3"]


# ---- indexing: lazy sync, SKIPINITIALSCAN, REINDEX ------------------------------------------


def test_existing_and_later_keys_are_indexed(stash: FakeStash) -> None:
    run(stash, "HSET", "u:1", "name", "alpha")
    run(stash, "SEARCH.CREATE", "i", "ON", "HASH", "PREFIX", 1, "u:", "SCHEMA", "name", "TEXT")
    run(stash, "HSET", "u:2", "name", "alpha beta")
    run(stash, "HSET", "other:3", "name", "alpha")
    assert keys(run(stash, "SEARCH.QUERY", "i", f({"name": "alpha"}))) == [b"u:1", b"u:2"]
    run(stash, "HSET", "u:1", "name", "gamma")
    assert keys(run(stash, "SEARCH.QUERY", "i", f({"name": "alpha"}))) == [b"u:2"]
    run(stash, "DEL", "u:2")
    assert run(stash, "SEARCH.QUERY", "i", f({"name": "alpha"})) == []
    assert run(stash, "SEARCH.WAITINDEXING", "i") == 1


def test_tied_hits_follow_the_order_of_last_reindexing(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "HASH", "PREFIX", 1, "u:", "SCHEMA", "n", "U64")
    for i in range(3):
        run(stash, "HSET", f"u:{i}", "n", 1)
    assert keys(run(stash, "SEARCH.QUERY", "i", "{}")) == [b"u:0", b"u:1", b"u:2"]
    run(stash, "HSET", "u:0", "n", 2)
    assert keys(run(stash, "SEARCH.QUERY", "i", "{}")) == [b"u:1", b"u:2", b"u:0"]


def test_expired_keys_leave_the_index(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "STRING", "PREFIX", 1, "e:", "SCHEMA", "t", "TEXT")
    run(stash, "SET", "e:1", '{"t":"x"}', "PX", 100)
    assert run(stash, "SEARCH.COUNT", "i", "{}") == 1
    clock.advance(ms=200)
    assert run(stash, "SEARCH.COUNT", "i", "{}") == 0


def test_skipinitialscan_and_reindex(stash: FakeStash) -> None:
    run(stash, "HSET", "u:1", "name", "alpha")
    run(stash, "HSET", "u:2", "name", "alpha")
    run(stash, "SEARCH.CREATE", "i", "ON", "HASH", "PREFIX", 1, "u:", "SKIPINITIALSCAN", "SCHEMA", "name", "TEXT")
    assert run(stash, "SEARCH.COUNT", "i", "{}") == 0
    run(stash, "HSET", "u:2", "name", "alpha beta")  # a later write indexes the key
    run(stash, "HSET", "u:3", "name", "alpha")
    assert keys(run(stash, "SEARCH.QUERY", "i", "{}")) == [b"u:2", b"u:3"]
    assert run(stash, "SEARCH.REINDEX", "i") == 1
    assert run(stash, "SEARCH.COUNT", "i", "{}") == 3
    assert run(stash, "SEARCH.REINDEX", "nope") == 0


def test_overlapping_indexes_both_see_a_write(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "a", "ON", "HASH", "PREFIX", 1, "u:", "SCHEMA", "n", "TEXT")
    run(stash, "SEARCH.CREATE", "b", "ON", "HASH", "PREFIX", 1, "u:x", "SCHEMA", "n", "TEXT")
    run(stash, "HSET", "u:x1", "n", "v")
    assert run(stash, "SEARCH.COUNT", "a", "{}") == run(stash, "SEARCH.COUNT", "b", "{}") == 1


# ---- missing index, DROP, aliases, LISTINDEXES ---------------------------------------------


def test_missing_index_replies(stash: FakeStash) -> None:
    assert run(stash, "SEARCH.QUERY", "nope", "{}") is None
    assert run(stash, "SEARCH.COUNT", "nope", "{}") == -1
    assert run(stash, "SEARCH.DESCRIBE", "nope") is None
    assert run(stash, "SEARCH.AGGREGATE", "nope", "{}", "{}") is None
    assert run(stash, "SEARCH.WAITINDEXING", "nope") == 0
    assert run(stash, "SEARCH.DROP", "nope") == 0


def test_drop_keeps_documents_and_aliases(products: FakeStash) -> None:
    run(products, "SEARCH.ALIASADD", "al", "p")
    assert run(products, "SEARCH.DROP", "al") == 0  # DROP takes the literal name only
    assert run(products, "SEARCH.DROP", "p") == 1
    assert run(products, "EXISTS", "p", "p:0") == 1
    assert run(products, "SEARCH.LISTALIASES") == [[b"al", b"p"]]
    assert run(products, "SEARCH.QUERY", "al", "{}") is None


def test_aliases_resolve_and_update(products: FakeStash) -> None:
    assert run(products, "SEARCH.ALIASADD", "a", "missing") == 1
    assert run(products, "SEARCH.ALIASADD", "a", "p") == 2
    assert run(products, "SEARCH.ALIASADD", "a", "p") == 2
    assert run(products, "SEARCH.ALIASADD", "b", "p") == 1
    assert run(products, "SEARCH.LISTALIASES") == [[b"a", b"p"], [b"b", b"p"]]
    assert run(products, "SEARCH.COUNT", "a", "{}") == 5
    assert run(products, "SEARCH.DESCRIBE", "a")[:2] == [b"name", b"p"]
    assert run(products, "SEARCH.WAITINDEXING", "a") == 1
    assert run(products, "SEARCH.ALIASDEL", "a") == 1
    assert run(products, "SEARCH.ALIASDEL", "a") == 0
    assert run(products, "SEARCH.ALIASDEL", "b") == 1
    assert run(products, "SEARCH.LISTALIASES") == []


def test_listindexes_sorted_with_match_limit_offset(stash: FakeStash) -> None:
    for name, kind in [("zeta", "HASH"), ("alpha", "JSON"), ("beta", "STRING")]:
        run(stash, "SEARCH.CREATE", name, "ON", kind, "PREFIX", 1, f"{name}:", "SCHEMA", "a", "TEXT")
    assert run(stash, "SEARCH.LISTINDEXES") == [
        [b"name", b"alpha", b"type", b"JSON"],
        [b"name", b"beta", b"type", b"STRING"],
        [b"name", b"zeta", b"type", b"HASH"],
    ]
    assert keys_of(run(stash, "SEARCH.LISTINDEXES", "MATCH", "*a", "LIMIT", 0)) == [b"alpha", b"beta", b"zeta"]
    assert keys_of(run(stash, "SEARCH.LISTINDEXES", "LIMIT", 1, "OFFSET", 1)) == [b"beta"]
    assert keys_of(run(stash, "SEARCH.LISTINDEXES", "match", "b*")) == [b"beta"]
    assert error(stash, "SEARCH.LISTINDEXES", "LIMIT") == "ERR syntax error"


def keys_of(reply: Any) -> list[bytes]:
    return [row[1] for row in reply]


def test_query_in_multi_needs_nocontent(products: FakeStash) -> None:
    db = products.database
    replies = db.run_atomic(
        [
            (products_cmd("search.query"), [b"SEARCH.QUERY", b"p", b"{}", b"LIMIT", b"1"]),
            (products_cmd("search.query"), [b"SEARCH.QUERY", b"p", b"{}", b"LIMIT", b"1", b"NOCONTENT"]),
        ]
    )
    assert getattr(replies[0], "text", None) == "ERR SEARCH.QUERY inside MULTI or a script needs NOCONTENT"
    assert replies[1] == [[b"p:0", b"1"]]


def products_cmd(name: str) -> Any:
    from fakestash._engine.registry import Registry

    return Registry.default().get(name)


def test_arity_errors(stash: FakeStash) -> None:
    assert error(stash, "SEARCH.QUERY", "p") == "ERR wrong number of arguments for 'search.query' command"
    assert error(stash, "SEARCH.COUNT", "p") == "ERR wrong number of arguments for 'search.count' command"


# ---- AGGREGATE -----------------------------------------------------------------------------


@pytest.fixture
def agg(stash: FakeStash) -> FakeStash:
    run(stash, "SEARCH.CREATE", "a", "ON", "JSON", "PREFIX", 1, "d:", "SCHEMA", "title", "TEXT",
        "price", "F64", "FAST", "quantity", "U64", "FAST", "categoryId", "U64", "FAST",
        "slow", "F64", "tag", "KEYWORD", "at", "DATE", "FAST")
    for i in range(9):
        doc = {"title": f"product {i}", "price": 10 * i, "quantity": i, "categoryId": i % 3,
               "slow": i, "tag": "even" if i % 2 == 0 else "odd", "at": f"2024-01-{i + 1:02d}T00:00:00Z"}
        run(stash, "JSON.SET", f"d:{i}", "$", json.dumps(doc))
    return stash


def aggregate(stash: FakeStash, aggs: Any, flt: Any = None) -> Any:
    flt = {"title": {"$eq": "product"}} if flt is None else flt
    return run(stash, "SEARCH.AGGREGATE", "a", f(flt), f(aggs))


def test_metric_aggregations(agg: FakeStash) -> None:
    assert aggregate(agg, {"s": {"$stats": {"field": "price"}}}) == [
        b"s", [b"count", 9, b"min", b"0", b"max", b"80", b"sum", b"360", b"avg", b"40"]
    ]
    assert aggregate(agg, {
        "avg": {"$avg": {"field": "price"}},
        "card": {"$cardinality": {"field": "categoryId"}},
        "n": {"$count": {"field": "price"}},
        "mx": {"$max": {"field": "quantity"}},
    }) == [b"avg", [b"value", b"40"], b"card", [b"value", 3], b"n", [b"value", 9],
           b"mx", [b"value", b"8"]]
    assert aggregate(agg, {"avg": {"$avg": {"field": "price"}}}, {"title": "nothing"}) == [
        b"avg", [b"value", None]
    ]


def test_extended_stats_and_percentiles(agg: FakeStash) -> None:
    reply = aggregate(agg, {"e": {"$extendedStats": {"field": "price"}}})
    stats = dict(zip(reply[1][::2], reply[1][1::2]))
    assert float(stats[b"variance"]) == pytest.approx(666.6667, abs=1e-3)
    assert stats[b"varianceSampling"] == b"750"
    bounds = dict(zip(stats[b"stdDeviationBounds"][::2], stats[b"stdDeviationBounds"][1::2]))
    assert float(bounds[b"upper"]) == pytest.approx(40 + 2 * math.sqrt(666.6667), abs=1e-3)
    keyed = aggregate(agg, {"p": {"$percentiles": {"field": "price", "percents": [50, 95]}}})
    assert keyed == [b"p", [b"values", [b"50.0", b"40", b"95.0", b"76"]]]
    flat = aggregate(agg, {"p": {"$percentiles": {"field": "price", "percents": [50], "keyed": False}}})
    assert flat == [b"p", [b"values", [[b"key", b"50", b"value", b"40"]]]]


def test_bucket_aggregations(agg: FakeStash) -> None:
    ranges = {"field": "price", "ranges": [{"to": 30}, {"from": 30, "to": 60}, {"from": 60}]}
    assert aggregate(agg, {"r": {"$range": ranges}}) == [b"r", [b"buckets", [
        [b"key", b"*-30", b"docCount", 3, b"to", b"30"],
        [b"key", b"30-60", b"docCount", 3, b"from", b"30", b"to", b"60"],
        [b"key", b"60-*", b"docCount", 3, b"from", b"60"],
    ]]]
    gap = aggregate(agg, {"r": {"$range": {"field": "price", "ranges": [{"key": "mid", "from": 20, "to": 40}]}}})
    assert gap == [b"r", [b"buckets", [
        [b"key", b"*-20", b"docCount", 2, b"to", b"20"],
        [b"key", b"mid", b"docCount", 2, b"from", b"20", b"to", b"40"],
        [b"key", b"40-*", b"docCount", 5, b"from", b"40"],
    ]]]
    assert aggregate(agg, {"h": {"$histogram": {"field": "price", "interval": 30}}}) == [
        b"h", [b"buckets", [[b"key", b"0", b"docCount", 3], [b"key", b"30", b"docCount", 3],
                            [b"key", b"60", b"docCount", 3]]]
    ]
    terms = aggregate(agg, {"t": {"$terms": {"field": "categoryId"}, "$aggs": {"avg": {"$avg": {"field": "price"}}}}})
    assert terms == [b"t", [b"buckets", [
        [b"key", b"0", b"docCount", 3, b"avg", [b"value", b"30"]],
        [b"key", b"1", b"docCount", 3, b"avg", [b"value", b"40"]],
        [b"key", b"2", b"docCount", 3, b"avg", [b"value", b"50"]],
    ], b"sumOtherDocCount", 0, b"docCountErrorUpperBound", 0]]
    kw = aggregate(agg, {"t": {"$terms": {"field": "tag", "size": 1}}})
    assert kw == [b"t", [b"buckets", [[b"key", b"even", b"docCount", 5]],
                         b"sumOtherDocCount", 4, b"docCountErrorUpperBound", 0]]


def test_date_histogram(agg: FakeStash) -> None:
    reply = aggregate(agg, {"d": {"$dateHistogram": {"field": "at", "fixedInterval": "30d"}}})
    assert reply == [b"d", [b"buckets", [
        [b"key", b"1702944000000", b"keyAsString", b"2023-12-19T00:00:00Z", b"docCount", 9]
    ]]]


def test_facet_aggregation(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "JSON", "PREFIX", 1, "f:", "SCHEMA", "cat", "FACET")
    for i, path in enumerate(["/category/books/fiction", "/category/books/nonfiction",
                              "/category/electronics/phones", "/category/electronics/laptops"]):
        run(stash, "JSON.SET", f"f:{i}", "$", json.dumps({"cat": path}))
    reply = run(stash, "SEARCH.AGGREGATE", "i", "{}", f({"c": {"$facet": {"field": "cat", "path": "/category"}}}))
    assert reply == [b"c", [b"path", b"/category", b"sumOtherDocCount", 0, b"children", [
        [b"path", b"/category/books", b"docCount", 2, b"sumOtherDocCount", 0],
        [b"path", b"/category/electronics", b"docCount", 2, b"sumOtherDocCount", 0],
    ]]]
    only = run(stash, "SEARCH.AGGREGATE", "i", f({"cat": {"$eq": "/category/books/fiction"}}),
               f({"c": {"$facet": {"field": "cat", "path": "/category"}}}))
    assert only[1][5] == [[b"path", b"/category/books", b"docCount", 1, b"sumOtherDocCount", 0]]


@pytest.mark.parametrize(
    ("aggs", "text"),
    [
        ({"x": 1}, "ERR Aggregation 'x' must be a JSON object"),
        ({"x": {"$avg": {}}}, "ERR Aggregation 'x' is missing required 'field' property"),
        ({"x": {"$avg": {"field": "slow"}}}, "ERR Aggregation 'x' operator '$avg' requires field 'slow' to be FAST"),
        ({"x": {"$median": {"field": "price"}}}, "ERR Aggregation 'x' has unknown operator '$median'"),
        ({"x": {"$avg": {"field": "price"}, "$aggs": {}}}, "ERR Aggregation 'x' operator '$avg' cannot have '$aggs'"),
        ({"x": {"$terms": {"field": "price", "shardSize": 3}}}, "ERR Aggregation 'x' operator '$terms' has unknown option 'shardSize'"),
        ({"x": {"$histogram": {"field": "price", "interval": 0}}}, "ERR Aggregation 'x' interval must be a positive number"),
    ],
)
def test_aggregation_errors(agg: FakeStash, aggs: Any, text: str) -> None:
    assert error(agg, "SEARCH.AGGREGATE", "a", "{}", f(aggs)) == text


# ---- properties ----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.integers(min_value=-50, max_value=50), min_size=0, max_size=20),
    low=st.integers(min_value=-60, max_value=60),
    high=st.integers(min_value=-60, max_value=60),
)
def test_numeric_ranges_and_orderby_agree_with_a_naive_model(
    values: list[int], low: int, high: int
) -> None:
    stash = FakeStash(seed=0, clock=ManualClock(1_700_000_000))
    stash.execute("SEARCH.CREATE", "i", "ON", "HASH", "PREFIX", 1, "n:", "SCHEMA", "v", "I64", "FAST")
    for i, v in enumerate(values):
        stash.execute("HSET", f"n:{i:02d}", "v", v)
    flt = f({"v": {"$gte": low, "$lt": high}})
    expected = [i for i, v in enumerate(values) if low <= v < high]
    assert stash.execute("SEARCH.COUNT", "i", flt) == len(expected)
    reply = stash.execute("SEARCH.QUERY", "i", flt, "ORDERBY", "v", "ASC", "LIMIT", 1000, "NOCONTENT")
    assert isinstance(reply, list)
    got = [int(k[2:]) for k, _ in reply]
    assert got == sorted(expected, key=lambda i: (values[i], i))


# Upstash docs redis/commands/search/search-query.mdx: HIGHLIGHT returns whole values (no
# snippets); a multi-valued field keeps its array, only matching string elements marked.
def test_highlight_keeps_whole_values_and_array_shape(stash: FakeStash) -> None:
    run(stash, "SEARCH.CREATE", "i", "ON", "JSON", "PREFIX", "1", "d:", "SCHEMA", "a", "TEXT")
    run(stash, "JSON.SET", "d:1", "$", '{"a":["hello world","foo & bar",7],"b":"hello"}')
    whole = run(stash, "SEARCH.QUERY", "i", '{"a":"hello"}', "HIGHLIGHT", "FIELDS", "1", "a")
    assert whole[0][2] == [[b"$", b'{"a":["<em>hello</em> world","foo & bar",7],"b":"hello"}']]
    selected = run(stash, "SEARCH.QUERY", "i", '{"a":"hello"}', "SELECT", "1", "a",
                   "HIGHLIGHT", "FIELDS", "1", "a")  # fmt: skip
    assert selected[0][2] == [[b"a", b'["<em>hello</em> world","foo & bar",7]']]
    long_text = "word " * 200 + "hello " + "word " * 200
    run(stash, "JSON.SET", "d:2", "$", json.dumps({"a": long_text}))
    reply = run(stash, "SEARCH.QUERY", "i", '{"a":"hello"}', "SELECT", "1", "a",
                "HIGHLIGHT", "FIELDS", "1", "a")  # fmt: skip
    marked = {hit[0]: hit[2][0][1] for hit in reply}[b"d:2"]
    assert marked == long_text.replace("hello", "<em>hello</em>").encode()  # not cut


def test_an_index_key_lives_beside_hash_field_ttls(stash: FakeStash) -> None:
    """Once a field TTL exists, every lookup asks the value to reap its members: an index
    key answers that it has none."""
    run(stash, "HSET", "h", "f", "v")
    run(stash, "HEXPIRE", "h", "100", "FIELDS", "1", "f")
    run(stash, "SEARCH.CREATE", "idx", "ON", "HASH", "PREFIX", "1", "p:", "SCHEMA", "t", "TEXT")
    assert run(stash, "TYPE", "idx") == "search"
    assert run(stash, "DBSIZE") == 2
    assert run(stash, "MEMORY", "USAGE", "idx") == 48
