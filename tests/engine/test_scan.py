"""The SCAN family's iteration: Redis' guarantee, Upstash's COUNT, and the scan index.

Upstash's COUNT (deviations.py "scan-count"): a call reads exactly COUNT elements (100
without COUNT), MATCH and TYPE filter what was read; a collection that fits one page is
answered whole, in its own order. The index behind it is checked against a plain sort.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakestash import FakeStash, ManualClock
from fakestash._engine.scan_index import INDEX_THRESHOLD, ScanIndex, page_of, scan_position
from tests.helpers import error, run


def scan_all(
    stash: FakeStash, *argv: Any, count: int | None = None, options: tuple[Any, ...] = ()
) -> list[list[Any]]:
    """Every page of a full iteration (``argv`` up to the cursor, then the options)."""
    pages: list[list[Any]] = []
    cursor: Any = b"0"
    options = (*options, *(["COUNT", count] if count is not None else []))
    for _ in range(100_000):
        reply = run(stash, *argv, cursor, *options)
        assert isinstance(reply, list)
        cursor, page = reply
        pages.append(page)
        if cursor == b"0":
            return pages
    raise AssertionError("the iteration never ended")


# ---- SCAN: Upstash's COUNT ---------------------------------------------------------------


def test_scan_without_count_answers_a_few_dozen_keys_in_one_call(stash: FakeStash) -> None:
    """Upstash: ``SCAN 0 MATCH hash`` on a database of a few dozen keys is ``[0, [hash]]``."""
    for i in range(40):
        run(stash, "SET", f"string_{i}", "v")
    run(stash, "HSET", "hash", "f", "v")
    assert run(stash, "SCAN", "0", "MATCH", "hash") == [b"0", [b"hash"]]
    assert run(stash, "SCAN", "0", "TYPE", "hash") == [b"0", [b"hash"]]
    cursor, page = run(stash, "SCAN", "0")  # type: ignore[misc]
    assert cursor == b"0" and len(page) == 41


def test_scan_count_is_an_exact_page_size(stash: FakeStash) -> None:
    for i in range(25):
        run(stash, "SET", f"k{i}", "v")
    cursor, page = run(stash, "SCAN", "0", "COUNT", "1")  # type: ignore[misc]
    assert cursor != b"0" and len(page) == 1
    sizes = [len(page) for page in scan_all(stash, "SCAN", count=7)]
    assert sizes == [7, 7, 7, 4]
    assert len(run(stash, "SCAN", "0", "COUNT", "200")[1]) == 25  # type: ignore[index]


def test_scan_default_page_is_100(stash: FakeStash) -> None:
    for i in range(250):
        run(stash, "SET", f"k{i}", "v")
    assert [len(page) for page in scan_all(stash, "SCAN")] == [100, 100, 50]


def test_scan_filters_after_reading_so_a_page_can_be_empty(stash: FakeStash) -> None:
    for i in range(30):
        run(stash, "SET", f"k{i}", "v")
    run(stash, "SADD", "set", "m")
    pages = scan_all(stash, "SCAN", options=("TYPE", "set"), count=3)
    assert len(pages) == 11 and [] in pages
    assert [key for page in pages for key in page] == [b"set"]


def test_scan_order_is_the_scan_position_order(stash: FakeStash) -> None:
    keys = [f"key:{i}".encode() for i in range(50)]
    for key in keys:
        run(stash, "SET", key, "v")
    seen = [key for page in scan_all(stash, "SCAN", count=9) for key in page]
    assert seen == sorted(keys, key=scan_position)


def test_scan_cursor_resumes_at_a_position(stash: FakeStash) -> None:
    for i in range(10):
        run(stash, "SET", f"k{i}", "v")
    cursor, first = run(stash, "SCAN", "0", "COUNT", "4")  # type: ignore[misc]
    assert isinstance(cursor, bytes)
    later = sorted((f"k{i}".encode() for i in range(10)), key=scan_position)
    assert first == later[:4]
    assert int(cursor) == scan_position(later[4])
    assert run(stash, "SCAN", cursor, "COUNT", "100") == [b"0", later[4:]]
    assert run(stash, "SCAN", str(2**63), "COUNT", "5") == [b"0", []]


def test_scan_skips_and_deletes_expired_keys(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "SET", "live", "v")
    run(stash, "SET", "gone", "v", "PX", "10")
    clock.advance(ms=20)
    assert run(stash, "SCAN", "0") == [b"0", [b"live"]]
    assert b"gone" not in stash.database.data


def test_scan_errors(stash: FakeStash) -> None:
    assert error(stash, "SCAN", "x") == "ERR invalid cursor"
    assert error(stash, "SCAN", "0", "COUNT", "0") == "ERR syntax error"
    assert error(stash, "SCAN", "0", "MATCH") == "ERR syntax error"


# ---- HSCAN / SSCAN / ZSCAN ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("fill", "argv"),
    [
        (("HSET", "c", *[x for i in range(300) for x in (f"f{i}", "v")]), ("HSCAN", "c")),
        (("SADD", "c", *[f"m{i}" for i in range(300)]), ("SSCAN", "c")),
        (("ZADD", "c", *[x for i in range(300) for x in (str(i), f"m{i}")]), ("ZSCAN", "c")),
    ],
    ids=["hscan", "sscan", "zscan"],
)
def test_collection_pages_are_exact_and_cover_everything(
    stash: FakeStash, fill: tuple[Any, ...], argv: tuple[str, ...]
) -> None:
    run(stash, *fill)
    pages = scan_all(stash, *argv, count=7)
    width = 1 if argv[0] == "SSCAN" else 2
    assert [len(p) // width for p in pages] == [7] * 42 + [6]
    members = [p[i] for p in pages for i in range(0, len(p), width)]
    assert len(members) == 300 and len(set(members)) == 300
    assert [len(p) // width for p in scan_all(stash, *argv)] == [100, 100, 100]


def test_small_collections_answer_whole_in_their_own_order(stash: FakeStash) -> None:
    run(stash, "ZADD", "z", "3", "c", "1", "a", "2", "b")
    assert run(stash, "ZSCAN", "z", "0") == [b"0", [b"a", b"1", b"b", b"2", b"c", b"3"]]
    whole = [b"0", [b"a", b"1", b"b", b"2", b"c", b"3"]]
    assert run(stash, "ZSCAN", "z", "12345", "COUNT", "3") == whole
    run(stash, "SADD", "s", "3", "1", "2")
    assert run(stash, "SSCAN", "s", "0") == [b"0", [b"1", b"2", b"3"]]  # an intset is sorted
    run(stash, "HSET", "h", "b", "1", "a", "2")
    assert run(stash, "HSCAN", "h", "0", "NOVALUES") == [b"0", [b"b", b"a"]]


def test_a_collection_growing_past_the_index_threshold_keeps_its_iteration(
    stash: FakeStash,
) -> None:
    run(stash, "SADD", "s", *[f"m{i}" for i in range(INDEX_THRESHOLD)])
    cursor, first = run(stash, "SSCAN", "s", "0", "COUNT", "50")  # type: ignore[misc]
    run(stash, "SADD", "s", *[f"n{i}" for i in range(100)])  # builds the index
    assert stash.database.data[b"s"].scan_index is not None
    seen = list(first)
    while cursor != b"0":
        cursor, page = run(stash, "SSCAN", "s", cursor, "COUNT", "50")  # type: ignore[misc]
        seen += page
    assert {f"m{i}".encode() for i in range(INDEX_THRESHOLD)} <= set(seen)


# ---- the guarantee, under changes ----------------------------------------------------------

_OPS = st.lists(
    st.tuples(st.sampled_from(["add", "del", "scan"]), st.integers(0, 60)), max_size=120
)


@settings(max_examples=60, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(ops=_OPS, count=st.integers(1, 12), kind=st.sampled_from(["SCAN", "SSCAN", "HSCAN"]))
def test_an_element_present_throughout_is_returned(
    ops: list[tuple[str, int]], count: int, kind: str
) -> None:
    stash = FakeStash(seed=0, clock=ManualClock(1_700_000_000))
    initial = {f"e{i}".encode() for i in range(0, 200, 3)}
    _write(stash, kind, "add", sorted(initial))
    present_throughout = set(initial)
    seen: list[bytes] = []
    cursor: Any = b"0"
    for op, n in [*ops, *[("scan", 0)] * 400]:
        element = f"e{n}".encode()
        if op == "scan":
            argv = ("SCAN",) if kind == "SCAN" else (kind, "c")
            cursor, page = run(stash, *argv, cursor, "COUNT", count)  # type: ignore[misc]
            seen += page[:: 1 if kind != "HSCAN" else 2]
            if cursor == b"0":
                break
        else:
            _write(stash, kind, op, [element])
            present_throughout.discard(element)
    assert cursor == b"0"
    assert present_throughout <= set(seen)


def _write(stash: FakeStash, kind: str, op: str, elements: list[bytes]) -> None:
    for element in elements:
        if kind == "SCAN":
            run(stash, "SET" if op == "add" else "DEL", element, *(["v"] if op == "add" else []))
        elif kind == "SSCAN":
            run(stash, "SADD" if op == "add" else "SREM", "c", element)
        else:
            run(stash, *(["HSET", "c", element, "v"] if op == "add" else ["HDEL", "c", element]))
    run(stash, "SET", "anchor", "v")  # keep the collection's key from vanishing


@settings(max_examples=80, derandomize=True)
@given(
    ops=st.lists(st.tuples(st.booleans(), st.integers(0, 400)), max_size=600),
    cursor=st.integers(0, 2**63),
    count=st.integers(1, 40),
)
def test_the_index_pages_as_a_plain_sort_does(
    ops: list[tuple[bool, int]], cursor: int, count: int
) -> None:
    index = ScanIndex()
    live: set[bytes] = set()
    for add, n in ops:
        element = b"x%d" % n
        if add and element not in live:
            index.add(element)
            live.add(element)
        elif not add and element in live:
            index.remove(element)
            live.discard(element)
    assert len(index) == len(live)
    assert index.page(cursor, count) == page_of(live, cursor, count)
    assert index.copy().page(0, count) == page_of(live, 0, count)


def test_the_index_ignores_removing_what_it_never_had() -> None:
    index = ScanIndex([b"a", b"b"])
    index.remove(b"zz")
    assert len(index) == 2 and index.page(0, 10) == page_of([b"a", b"b"], 0, 10)
    index.clear()
    assert len(index) == 0 and index.page(0, 10) == (0, [])
