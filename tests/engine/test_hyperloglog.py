"""HyperLogLog commands: Redis' exact bytes and counts (values recorded from redis-server 7.0.15),
the sparse/dense encodings, error texts, and a byte-for-byte comparison with a real redis-server
(skipped when none is on PATH)."""

from __future__ import annotations

import hashlib
import random
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash
from fakestash._engine import hll
from fakestash._engine.replies import Status
from tests.helpers import error, run

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_HLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
CORRUPTED = "INVALIDOBJ Corrupted HLL object detected"
HEADER_SPARSE_STALE = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"


def sha(value: Any) -> str:
    assert isinstance(value, bytes)
    return hashlib.sha256(value).hexdigest()


# ---- the hash and the estimator ----------------------------------------------------------------


def test_murmurhash64a_of_nothing_with_seed_zero_is_zero() -> None:
    assert hll.murmurhash64a(b"", 0) == 0


def test_pattern_of_x_is_what_redis_stores() -> None:
    # PFADD one x stores XZERO:16374, VAL:2 x1, ZERO:9 (bytes 7f f5 84 08, Redis 7.0).
    assert hll.pattern(b"x") == (16374, 2)


@pytest.mark.parametrize("size", range(17))
def test_murmurhash_reads_blocks_and_tails_of_every_length(size: int) -> None:
    data = bytes(range(1, size + 1))
    assert 0 <= hll.murmurhash64a(data) < 2**64
    assert hll.murmurhash64a(data) != hll.murmurhash64a(data + b"\x00")


def test_estimate_of_empty_histogram_is_zero() -> None:
    assert hll.estimate([hll.REGISTERS] + [0] * 63) == 0


def test_dense_and_raw_packing_round_trip() -> None:
    rng = random.Random(7)
    raw = bytes(rng.randrange(64) for _ in range(hll.REGISTERS))
    assert hll.dense_to_raw(hll.raw_to_dense(raw)) == raw
    assert len(hll.raw_to_dense(raw)) == hll.DENSE_BYTES


# ---- PFADD -------------------------------------------------------------------------------------------


def test_pfadd_without_elements_creates_an_empty_sparse_hll(stash: FakeStash) -> None:
    assert run(stash, "PFADD", "h") == 1
    assert run(stash, "GET", "h") == HEADER_SPARSE_STALE + b"\x7f\xff"
    assert run(stash, "TYPE", "h") == Status("string")
    assert run(stash, "PFADD", "h") == 0


def test_pfadd_one_element_bytes_match_redis(stash: FakeStash) -> None:
    assert run(stash, "PFADD", "one", "x") == 1
    assert run(stash, "GET", "one") == HEADER_SPARSE_STALE + b"\x7f\xf5\x84\x08"


def test_pfadd_reports_whether_a_register_changed(stash: FakeStash) -> None:
    assert run(stash, "PFADD", "h", "a", "b") == 1
    assert run(stash, "PFADD", "h", "a", "b") == 0
    assert run(stash, "PFADD", "h", "b", "c") == 1


def test_pfcount_caches_the_cardinality_in_the_header(stash: FakeStash) -> None:
    run(stash, "PFADD", "hll", *"abcdefg")
    assert run(stash, "PFCOUNT", "hll") == 7
    assert run(stash, "GET", "hll") == (
        b"HYLL\x01\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00"
        b"Fm\x80V\x0c\x80D<\x848\x80P\xb1\x84I\x8c\x80Bm\x80BZ"
    )
    assert run(stash, "PFADD", "hll", "a") == 0  # no change: the cache stays valid
    assert run(stash, "GET", "hll")[15] == 0  # type: ignore[index]
    assert run(stash, "PFADD", "hll", "zz") == 1
    assert run(stash, "GET", "hll")[15] == 0x80  # type: ignore[index]


def test_a_valid_cached_cardinality_is_returned_as_stored(stash: FakeStash) -> None:
    run(stash, "SET", "h", b"HYLL\x01\x00\x00\x00\x07\x00\x00\x00\x00\x00\x00\x00\x7f\xff")
    assert run(stash, "PFCOUNT", "h") == 7


def test_ten_thousand_elements_go_dense_with_redis_bytes(stash: FakeStash) -> None:
    assert run(stash, "PFADD", "big", *[f"item-{i}" for i in range(10000)]) == 1
    assert run(stash, "PFCOUNT", "big") == 9991
    value = run(stash, "GET", "big")
    assert isinstance(value, bytes) and len(value) == hll.DENSE_SIZE and value[4] == hll.DENSE
    assert sha(value) == "4919a344b1b6ecca2724399898580fa27fd7556520a6b442f210b44eb1e60714"


@pytest.mark.parametrize(
    "n, size, encoding",
    [(100, 278, 1), (1000, 1905, 1), (1500, 2743, 1), (2000, 12304, 0)],
)
def test_sparse_grows_then_promotes_past_3000_bytes(
    stash: FakeStash, n: int, size: int, encoding: int
) -> None:
    prefix = "item-" if n == 100 else "n"
    run(stash, "PFADD", "p", *[f"{prefix}{i}" for i in range(n)])
    value = run(stash, "GET", "p")
    assert isinstance(value, bytes) and (len(value), value[4]) == (size, encoding)


def test_pfadd_keeps_the_ttl(stash: FakeStash) -> None:
    run(stash, "PFADD", "h", "a")
    run(stash, "EXPIRE", "h", "100")
    run(stash, "PFADD", "h", "b", "c")
    assert run(stash, "TTL", "h") == 100


def test_pfadd_of_a_hundred_thousand_elements_is_fast(stash: FakeStash) -> None:
    started = time.perf_counter()
    assert run(stash, "PFADD", "h", *[f"element:{i}" for i in range(100_000)]) == 1
    assert run(stash, "PFCOUNT", "h") == 100039
    assert time.perf_counter() - started < 5


# ---- PFCOUNT / PFMERGE ------------------------------------------------------------------------------


def test_pfcount_of_missing_keys_is_zero(stash: FakeStash) -> None:
    assert run(stash, "PFCOUNT", "nope") == 0
    assert run(stash, "PFCOUNT", "nope", "nada") == 0


def test_pfcount_of_several_keys_counts_the_union(stash: FakeStash) -> None:
    run(stash, "PFADD", "mid", *[f"item-{i}" for i in range(100)])
    run(stash, "PFADD", "m2", *[f"other-{i}" for i in range(100)])
    assert run(stash, "PFCOUNT", "mid") == 100
    assert run(stash, "PFCOUNT", "mid", "m2", "missing") == 199


def test_pfmerge_of_sparse_sources_stays_sparse(stash: FakeStash) -> None:
    run(stash, "PFADD", "mid", *[f"item-{i}" for i in range(100)])
    run(stash, "PFADD", "m2", *[f"other-{i}" for i in range(100)])
    assert run(stash, "PFMERGE", "u", "mid", "m2") == Status("OK")
    assert run(stash, "PFCOUNT", "u") == 199
    value = run(stash, "GET", "u")
    assert isinstance(value, bytes) and (len(value), value[4]) == (497, hll.SPARSE)
    assert sha(value) == "6d33bb84a914d8f3e1733c6ad9da2ca0982c17fc496fa666128a3d70fcd504e9"


def test_pfmerge_with_a_dense_source_makes_a_dense_target(stash: FakeStash) -> None:
    run(stash, "PFADD", "mid", *[f"item-{i}" for i in range(100)])
    run(stash, "PFADD", "big", *[f"item-{i}" for i in range(10000)])
    run(stash, "PFMERGE", "u2", "mid", "big")
    value = run(stash, "GET", "u2")
    assert isinstance(value, bytes) and value[4] == hll.DENSE
    assert run(stash, "PFCOUNT", "u2") == 9991


def test_pfmerge_without_sources_creates_an_empty_hll(stash: FakeStash) -> None:
    assert run(stash, "PFMERGE", "fresh") == Status("OK")
    assert run(stash, "GET", "fresh") == HEADER_SPARSE_STALE + b"\x7f\xff"
    assert run(stash, "PFCOUNT", "fresh") == 0


def test_pfmerge_merges_the_destination_too_and_keeps_its_ttl(stash: FakeStash) -> None:
    run(stash, "PFADD", "d", "a", "b")
    run(stash, "EXPIRE", "d", "50")
    run(stash, "PFADD", "s", "c")
    run(stash, "PFMERGE", "d", "s")
    assert run(stash, "PFCOUNT", "d") == 3
    assert run(stash, "TTL", "d") == 50


# ---- errors ------------------------------------------------------------------------------------------


def test_other_types_are_wrongtype(stash: FakeStash) -> None:
    run(stash, "LPUSH", "l", "x")
    assert error(stash, "PFADD", "l", "a") == WRONGTYPE
    assert error(stash, "PFCOUNT", "l") == WRONGTYPE
    assert error(stash, "PFCOUNT", "missing", "l") == WRONGTYPE
    assert error(stash, "PFMERGE", "d", "l") == WRONGTYPE
    assert run(stash, "EXISTS", "d") == 0


@pytest.mark.parametrize(
    "value",
    [
        b"foo",
        b"HYLL",
        b"HYLL\x02" + bytes(11) + b"\x7f\xff",  # unknown encoding
        b"HYLL\x00" + bytes(11) + b"\x7f\xff",  # dense of the wrong length
        b"hyll\x01" + bytes(11) + b"\x7f\xff",
    ],
)
def test_strings_that_are_not_hlls_are_refused(stash: FakeStash, value: bytes) -> None:
    run(stash, "SET", "s", value)
    assert error(stash, "PFADD", "s", "a") == NOT_HLL
    assert error(stash, "PFCOUNT", "s") == NOT_HLL
    assert error(stash, "PFMERGE", "d", "s") == NOT_HLL
    assert error(stash, "PFMERGE", "s") == NOT_HLL


def test_corrupted_sparse_bodies_are_invalidobj(stash: FakeStash) -> None:
    run(stash, "SET", "h", HEADER_SPARSE_STALE)  # a header and no opcodes
    assert run(stash, "PFADD", "h") == 0  # nothing to add: not looked at
    assert error(stash, "PFADD", "h", "a") == CORRUPTED
    assert error(stash, "PFCOUNT", "h") == CORRUPTED
    assert error(stash, "PFCOUNT", "h", "h") == CORRUPTED
    assert error(stash, "PFMERGE", "d", "h") == CORRUPTED


def test_pfadd_on_a_partial_sparse_body_works_until_it_runs_off_the_end(stash: FakeStash) -> None:
    # XZERO:16324 then VAL 16 x4: 16328 registers. Redis edits it in place where it can.
    run(stash, "SET", "h", HEADER_SPARSE_STALE + b"\x7f\xc3\xbf")
    assert run(stash, "PFADD", "h", "z") == 1
    assert run(stash, "GET", "h") == HEADER_SPARSE_STALE + b"a\x84\x80^=\xbf"
    assert error(stash, "PFCOUNT", "h") == CORRUPTED


def test_a_cut_trailing_xzero_is_kept_as_redis_keeps_it(stash: FakeStash) -> None:
    # A stray XZERO first byte after XZERO:16384; Redis reads its second byte as the string
    # terminator, and PFADD edits the opcodes before it in place.
    run(stash, "SET", "h", HEADER_SPARSE_STALE + b"\x7f\xff\x40")
    assert run(stash, "PFADD", "h", "") == 1
    value = run(stash, "GET", "h")
    assert isinstance(value, bytes) and value.endswith(b"\x40")
    assert error(stash, "PFCOUNT", "h") == CORRUPTED
    run(stash, "SET", "h", HEADER_SPARSE_STALE + b"\x7f\xfe\x40")  # 16383 + 1 registers
    assert run(stash, "PFCOUNT", "h") == 0
    assert run(stash, "PFCOUNT", "h", "h") == 0


def _hashing_to(index: int, prefix: bytes = b"x") -> bytes:
    """An element hashing to register ``index`` with a count the sparse encoding holds."""
    return next(
        prefix + b"%d" % i
        for i in range(10**6)
        if hll.pattern(prefix + b"%d" % i)[0] == index and hll.pattern(prefix + b"%d" % i)[1] <= 32
    )


def test_splitting_a_cut_xzero_leaves_its_last_byte_after_the_string(stash: FakeStash) -> None:
    # XZERO:255 then an XZERO cut after its first byte (0x7f, read with the zero after the
    # string: 16129 registers). Splitting it at register 1318, Redis writes XZERO:1063 VAL:1
    # XZERO:15065 but counts the cut opcode as two bytes, so the string ends one byte short:
    # 0x7a's second byte, 0xd8, sits after the string, where the next reads find it.
    # (Bytes and replies recorded from Redis 7.0.15 and 8.2.3.)
    run(stash, "SET", "k", HEADER_SPARSE_STALE + b"\x40\xfe\x7f")
    assert run(stash, "PFCOUNT", "k") == 0
    assert run(stash, "PFADD", "k", _hashing_to(1318, b"e")) == 1
    assert run(stash, "GET", "k") == HEADER_SPARSE_STALE + bytes.fromhex("40fe4426807a")
    assert run(stash, "PFCOUNT", "k") == 1
    run(stash, "SETRANGE", "k", "15", b"\x80")  # written in place: the byte after stays
    assert run(stash, "PFCOUNT", "k") == 1
    assert run(stash, "APPEND", "k", b"\x00") == 23  # a new end: the cut opcode reads 0x00
    assert run(stash, "PFCOUNT", "k") == 1


def test_pfmerge_skips_registers_a_shortened_destination_no_longer_reaches(
    stash: FakeStash,
) -> None:
    # Setting register 16380 splits the cut XZERO into XZERO VAL ZERO:3, whose ZERO falls
    # after the string: the body now covers 16381 registers, register 16382 is past its end,
    # and PFMERGE (which ignores hllSparseSet's -1) leaves it unset (Redis 7.0 and 8.2).
    run(stash, "SET", "d", HEADER_SPARSE_STALE + b"\x40\xfe\x7f")
    run(stash, "PFADD", "s", _hashing_to(16380), _hashing_to(16382))
    assert run(stash, "PFMERGE", "d", "s") == Status("OK")
    assert run(stash, "GET", "d") == HEADER_SPARSE_STALE + bytes.fromhex("40fe7efc88")
    assert error(stash, "PFCOUNT", "d") == CORRUPTED
    assert run(stash, "PFCOUNT", "s") == 2


def test_a_full_string_is_reallocated_before_a_sparse_update_zeroing_the_byte_after(
    stash: FakeStash,
) -> None:
    # 20 ZERO:1, XZERO:235, then a cut XZERO: 39 bytes, allocated 44 (jemalloc). Splitting the
    # cut XZERO leaves 0xd8 after the string and 2 bytes free; the next update (register 5,
    # a ZERO:1 turned VAL in place) first reallocates (Redis 7.2+), which zeroes that byte,
    # so the cut XZERO then covers 216 registers fewer: INVALIDOBJ on Redis 8.2.3. Redis
    # 7.0.15 keeps the byte and counts 2 (the version choice ``hll-sparse-resize``).
    body = b"\x00" * 20 + bytes([0x40, 234]) + b"\x7f"
    run(stash, "SET", "k", HEADER_SPARSE_STALE + body)
    assert run(stash, "PFADD", "k", _hashing_to(1318, b"e")) == 1
    assert run(stash, "PFADD", "k", _hashing_to(5, b"s")) == 1
    value = run(stash, "GET", "k")
    assert value == HEADER_SPARSE_STALE + bytes.fromhex(
        "0000000000840000000000000000000000000000" "40ea4426807a"
    )
    assert error(stash, "PFCOUNT", "k") == CORRUPTED


# ---- properties ---------------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.binary(max_size=12), max_size=300), st.lists(st.binary(max_size=12), max_size=60)
)
def test_merge_equals_adding_everything(first: list[bytes], second: list[bytes]) -> None:
    stash = FakeStash(seed=0)
    run(stash, "PFADD", "a", *first)
    run(stash, "PFADD", "b", *second)
    run(stash, "PFADD", "all", *first, *second)
    run(stash, "PFMERGE", "m", "a", "b")
    assert run(stash, "PFCOUNT", "m") == run(stash, "PFCOUNT", "all")
    assert run(stash, "PFCOUNT", "a", "b") == run(stash, "PFCOUNT", "all")
    raw = [hll.raw_registers(run(stash, "GET", k)) for k in ("m", "all")]  # type: ignore[arg-type]
    assert raw[0] == raw[1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(max_size=10), min_size=1, max_size=200))
def test_sparse_registers_agree_with_a_naive_register_model(elements: list[bytes]) -> None:
    stash = FakeStash(seed=0)
    model = [0] * hll.REGISTERS
    for element in elements:
        index, count = hll.pattern(element)
        model[index] = max(model[index], count)
        run(stash, "PFADD", "h", element)
    value = run(stash, "GET", "h")
    assert isinstance(value, bytes)
    assert list(hll.raw_registers(value)) == model
    _ops, starts, covered, _cut = hll.decode_sparse(value[hll.HEADER :])
    assert covered == hll.REGISTERS and starts == sorted(starts)


# ---- a real redis-server ---------------------------------------------------------------------------




def _element(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return rng.randbytes(rng.randrange(0, 24))
    return str(rng.randrange(10**6)).encode()


@pytest.mark.real_redis
@pytest.mark.parametrize("seed", range(6))
def test_counts_and_bytes_match_real_redis(real_redis: Any, seed: int) -> None:
    """Random PFADD/PFCOUNT/PFMERGE sequences: every reply and every key's bytes agree."""
    real_redis.flushall()
    stash = FakeStash(seed=0)
    rng = random.Random(seed)
    keys = [f"k{i}" for i in range(4)]
    for _ in range(40):
        key = rng.choice(keys)
        n = rng.choice([0, 1, 3, 10, 60, 300, 1200, 5000])
        elements = [_element(rng) for _ in range(n)]
        for i in range(0, max(n, 1), 400):
            chunk = elements[i : i + 400]
            assert run(stash, "PFADD", key, *chunk) == real_redis.pfadd(key, *chunk)
        roll = rng.random()
        if roll < 0.35:
            assert run(stash, "PFCOUNT", key) == real_redis.pfcount(key)
        elif roll < 0.6:
            chosen = rng.sample([*keys, "missing"], rng.randrange(2, 5))
            assert run(stash, "PFCOUNT", *chosen) == real_redis.pfcount(*chosen)
        else:
            dest = rng.choice([*keys, "dest"])
            sources = rng.sample(keys, rng.randrange(0, 4))
            assert run(stash, "PFMERGE", dest, *sources) == Status("OK")
            real_redis.pfmerge(dest, *sources)
        for name in [*keys, "dest"]:
            assert run(stash, "GET", name) == real_redis.get(name), name


@pytest.mark.real_redis
def test_real_redis_counts_our_hlls_after_restore(real_redis: Any) -> None:
    """DUMP from the fake restores on Redis and counts the same (and the other way)."""
    real_redis.flushall()
    stash = FakeStash(seed=0)
    for name, n in (("small", 50), ("large", 20000)):
        run(stash, "PFADD", name, *[f"v{i}" for i in range(n)])
        payload = run(stash, "DUMP", name)
        real_redis.restore(name, 0, payload)
        assert real_redis.pfcount(name) == run(stash, "PFCOUNT", name)
        real_redis.pfadd(name, "extra")
        run(stash, "RESTORE", name, "0", real_redis.dump(name), "REPLACE")
        assert run(stash, "PFCOUNT", name) == real_redis.pfcount(name)
