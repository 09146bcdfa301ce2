"""The upstash-redis 1.8.0 SDK drives SEARCH.* (``redis.search``) through the plugin, base64
on and off: its argv builders (create_index, query, score_func, highlight) and its reply
parsers (QueryResult, IndexDescription, aggregations, aliases).

Cases follow upstash-redis' live tests (tests/commands/search/*).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from upstash_redis.errors import UpstashError

PRODUCTS = [
    {"name": "Laptop Pro", "description": "High performance laptop", "category": "electronics",
     "price": 1299.99, "stock": 50, "active": True},
    {"name": "Laptop Basic", "description": "Budget friendly laptop", "category": "electronics",
     "price": 599.99, "stock": 100, "active": True},
    {"name": "Wireless Mouse", "description": "Ergonomic wireless mouse",
     "category": "electronics", "price": 29.99, "stock": 200, "active": True},
    {"name": "USB Cable", "description": "Fast charging USB cable", "category": "accessories",
     "price": 9.99, "stock": 500, "active": True},
    {"name": "Phone Case", "description": "Protective phone case", "category": "accessories",
     "price": 19.99, "stock": 300, "active": False},
]


@pytest.fixture
def index(redis: Any) -> Any:
    idx = redis.search.create_index(
        name="products",
        schema={
            "name": "TEXT",
            "description": "TEXT",
            "category": {"type": "TEXT", "no_tokenize": True},
            "price": {"type": "F64", "fast": True},
            "stock": {"type": "U64", "fast": True},
            "active": "BOOL",
        },
        data_type="string",
        prefixes="p:",
    )
    for i, product in enumerate(PRODUCTS):
        redis.set(f"p:{i}", json.dumps(product))
    assert idx.wait_indexing() == 1
    return idx


def test_query_returns_query_results(index: Any) -> None:
    results = index.query(filter={"name": {"$eq": "Laptop"}})
    assert [r.key for r in results] == ["p:0", "p:1"]
    assert all(isinstance(r.score, float) and r.score > 0 for r in results)
    assert results[0].data == PRODUCTS[0]


def test_query_options(index: Any) -> None:
    flt = {"category": {"$eq": "electronics"}}
    ordered = index.query(filter=flt, order_by={"price": "ASC"}, limit=3)
    assert [r.key for r in ordered] == ["p:2", "p:1", "p:0"]
    assert [r.score for r in ordered] == [29.99, 599.99, 1299.99]
    paged = index.query(filter=flt, limit=2, offset=2)
    assert len(paged) == 1
    nocontent = index.query(filter={"name": {"$eq": "Wireless Mouse"}}, select={})
    assert [(r.key, r.data) for r in nocontent] == [("p:2", None)]
    selected = index.query(filter={"name": {"$eq": "Wireless Mouse"}}, select={"price": True, "stock": True})
    assert selected[0].data == {"price": "29.99", "stock": "200"}
    inactive = index.query(filter={"active": {"$eq": False}})
    assert [r.key for r in inactive] == ["p:4"] and inactive[0].data["active"] is False


def test_highlight(index: Any) -> None:
    results = index.query(
        filter={"category": {"$eq": "electronics"}},
        select={"category": True},
        highlight={"fields": ["category"], "tags": ("<b>", "</b>")},
    )
    assert [r.data for r in results] == [{"category": "<b>electronics</b>"}] * 3


def test_count_describe_drop(index: Any, redis: Any) -> None:
    assert index.count(filter={"price": {"$lt": 50}}).count == 3
    description = index.describe()
    assert description.name == "products"
    assert description.data_type.value == "STRING"
    assert description.prefixes == ["p:"]
    assert description.language.value == "english"
    assert description.schema["category"].no_tokenize is True
    assert description.schema["price"].fast is True
    assert description.schema["name"].fast is False
    assert index.drop() == 1
    assert index.drop() == 0
    assert index.describe() is None
    assert index.query(filter={}) == []
    assert index.count(filter={}).count == -1


def test_create_index_errors_surface_as_upstash_errors(index: Any, redis: Any) -> None:
    with pytest.raises(UpstashError, match="Index products already exists"):
        redis.search.create_index(name="products", schema={"name": "TEXT"}, data_type="string", prefixes="p:")
    with pytest.raises(UpstashError, match="Unknown field operator: \\$not"):
        index.query(filter={"name": {"$not": "x"}})
    with pytest.raises(UpstashError, match="limit should be a positive number"):
        index.query(filter={}, limit=1001)


def test_hash_index_with_alias_and_date(redis: Any) -> None:
    idx = redis.search.create_index(
        name="articles",
        schema={"title": {"type": "TEXT", "alias": "headline"}, "at": {"type": "DATE", "fast": True},
                "score": {"type": "U64", "fast": True}},
        data_type="hash",
        prefixes=["a:"],
        language="english",
        exists_ok=True,
    )
    for i, day in enumerate(["2026-01-10", "2026-01-20", "2026-02-05"], 1):
        redis.hset(f"a:{i}", values={"headline": f"story {i}", "at": f"{day}T10:00:00Z", "score": str(90 + i)})
    hits = idx.query(filter={"at": {"$gt": "2026-01-15T00:00:00Z"}}, order_by={"score": "DESC"})
    assert [(h.key, h.score) for h in hits] == [("a:3", 93.0), ("a:2", 92.0)]
    assert hits[0].data["headline"] == "story 3" and hits[0].data["score"] == "93"
    assert idx.describe().schema["title"].alias == "headline"
    assert idx.query(filter={"title": "story"}, limit=1)[0].key == "a:1"


def test_score_func(redis: Any) -> None:
    idx = redis.search.create_index(
        name="s",
        schema={"name": "TEXT", "popularity": {"type": "U64", "fast": True},
                "recency": {"type": "U64", "fast": True}},
        data_type="hash",
        prefixes="s:",
    )
    rows = [("Laptop Pro", "1000", "100"), ("Laptop Basic", "500", "200"), ("Laptop Air", "2000", "50")]
    for i, (name, pop, rec) in enumerate(rows):
        redis.hset(f"s:{i}", values={"name": name, "popularity": pop, "recency": rec})
    redis.hset("s:3", values={"name": "Laptop Missing", "recency": "150"})
    by_name = lambda results: {r.data["name"]: r.score for r in results}  # noqa: E731
    simple = by_name(idx.query(filter={"name": {"$eq": "Laptop"}},
                               score_func={"field": "popularity", "scoreMode": "REPLACE"}))
    assert simple["Laptop Air"] == 2000.0 and simple["Laptop Basic"] == 500.0
    modified = by_name(idx.query(filter={"name": {"$eq": "Laptop"}}, score_func={
        "field": "popularity", "modifier": "LOG1P", "factor": 2, "missing": 1, "scoreMode": "REPLACE"}))
    assert modified["Laptop Pro"] == pytest.approx(2 * math.log10(1001))
    assert modified["Laptop Missing"] == pytest.approx(2 * math.log10(2))
    combined = by_name(idx.query(filter={"name": {"$eq": "Laptop"}}, score_func={
        "fields": ["popularity", {"field": "recency"}], "combineMode": "MULTIPLY", "scoreMode": "REPLACE"}))
    assert combined["Laptop Air"] == combined["Laptop Pro"] == 100000.0


def test_aggregate(redis: Any) -> None:
    idx = redis.search.create_index(
        name="agg",
        schema={"title": "TEXT", "price": {"type": "F64", "fast": True},
                "categoryId": {"type": "U64", "fast": True}},
        data_type="json",
        prefixes="d:",
    )
    for i in range(9):
        redis.json.set(f"d:{i}", "$", {"title": f"product {i}", "price": 10 * i, "categoryId": i % 3})
    result = idx.aggregate(
        filter={"title": {"$eq": "product"}},
        aggregations={
            "stats": {"$stats": {"field": "price"}},
            "count": {"$count": {"field": "price"}},
            "by_cat": {"$terms": {"field": "categoryId"}, "$aggs": {"avg": {"$avg": {"field": "price"}}}},
        },
    )
    assert result["stats"] == {"count": 9, "min": 0, "max": 80, "sum": 360, "avg": 40}
    assert result["count"] == {"value": 9}
    assert [b["docCount"] for b in result["by_cat"]["buckets"]] == [3, 3, 3]
    assert [b["avg"] for b in result["by_cat"]["buckets"]] == [{"value": 30}, {"value": 40}, {"value": 50}]
    assert result["by_cat"]["sumOtherDocCount"] == 0


def test_aliases(index: Any, redis: Any) -> None:
    assert redis.search.alias.list() == {}
    assert index.add_alias(alias="shop") == 1
    assert redis.search.alias.add(index_name="products", alias="shop") == 2
    assert redis.search.alias.list() == {"shop": "products"}
    assert redis.search.index("shop").count(filter={}).count == 5
    assert redis.search.alias.delete(alias="shop") == 1
    assert redis.search.alias.delete(alias="shop") == 0


def test_index_is_a_search_key(index: Any, redis: Any) -> None:
    assert redis.type("products") == "search"
    assert redis.scan(0, type="search") == (0, ["products"])


def test_stream_index(redis: Any) -> None:
    # upstash-redis 1.8.0 has no STREAM data type (create_index always sends PREFIX): the
    # index is created raw; the SDK's stream commands and index client then work as usual.
    # (The SDK turns a SEARCH.CREATE reply into an index client, whatever the data type.)
    schema = ["SCHEMA", "message", "TEXT", "severity", "U64", "FAST"]
    redis.execute(["SEARCH.CREATE", "events-idx", "ON", "STREAM", "events", *schema])
    redis.xadd("events", "1-0", {"message": "Payment authorization failed", "severity": 4})
    redis.xadd("events", "2-0", {"message": "Order completed", "severity": 1})
    results = redis.search.index("events-idx").query(
        filter={"message": "payment", "severity": {"$gte": 3}},
        select={"message": True},
        highlight={"fields": ["message"]},
    )
    assert [(r.key, r.data) for r in results] == [
        ("1-0", {"message": "<em>Payment</em> authorization failed"})
    ]
    redis.xdel("events", "1-0")
    assert redis.search.index("events-idx").count(filter={}).count == 1
