"""HyperLogLogs corrupted by string commands, against Redis 7.0 and Redis 8.2: every reply and
every key's bytes after every command.

Hypothesis draws sequences of PFADD / PFCOUNT / PFMERGE on three keys between corruptions:
SETRANGE at a random offset (often near the end, where a cut XZERO is made), APPEND of a
byte or two, and SET of a crafted sparse body (opcodes that cover 16384 registers give or
take a few, some cut inside their last XZERO). Derandomized in CI; ``HYPOTHESIS_PROFILE=deep``
draws ten times as many sequences, twice as long, at random.

Where 7.0 and 8.2 differ (8.2's sparse updates reallocate a nearly full string first, which
zeroes the byte after it: ``hll-sparse-resize`` in fakestash/deviations.py), fakestash
follows 8.2; against 7.0 a sequence stops at the first command that took that path.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakestash import FakeStash
from fakestash._conformance.runner import Options, Runner, open_target
from fakestash._engine import hll
from fakestash._engine.replies import Status
from fakestash._errors import CommandError
from tests.conformance.conftest import RedisEndpoint
from tests.conftest import Oracle

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
KEYS = ("k0", "k1", "k2")
HEADER = b"HYLL\x01\x00\x00\x00" + bytes(7)  # then the cache's top byte: stale or not
_SETTINGS = settings(
    max_examples=1000 if DEEP else 100,
    derandomize=not DEEP,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
STEPS = 60 if DEEP else 30


# ---- what a step sends -------------------------------------------------------------------


def _elements(data: st.DataObject) -> list[bytes]:
    count = data.draw(st.sampled_from([50, 400, 8, 1, 3, 0]), label="elements")
    start = data.draw(st.integers(0, 10**6), label="from")
    return [b"e%d" % i for i in range(start, start + count)]


def _opcode(data: st.DataObject, left: int) -> tuple[bytes, int]:
    """One sparse opcode covering at most ``left`` registers: its bytes and its span."""
    kind = data.draw(st.sampled_from(["val", "zero", "xzero"]))
    if kind == "val":
        span = data.draw(st.integers(1, min(4, left)))
        value = data.draw(st.integers(1, 32))
        return bytes([0x80 | (value - 1) << 2 | (span - 1)]), span
    if kind == "zero":
        span = data.draw(st.integers(1, min(64, left)))
        return bytes([span - 1]), span
    span = data.draw(st.integers(1, min(16384, left)))
    return bytes([0x40 | (span - 1) >> 8, (span - 1) & 0xFF]), span


def crafted_hll(data: st.DataObject) -> bytes:
    """A sparse HLL: a few opcodes, then an XZERO up to register 16384, then maybe cut
    inside that XZERO or followed by one byte more."""
    body, left = bytearray(), hll.REGISTERS
    prefix = data.draw(st.integers(0, 12000), label="registers before the last XZERO")
    while hll.REGISTERS - left < prefix and len(body) < 40:
        op, span = _opcode(data, left - 1)
        body += op
        left -= span
    body += bytes([0x40 | (left - 1) >> 8, (left - 1) & 0xFF])
    ending = data.draw(st.sampled_from(["cut", "as is", "extra"]))
    if ending == "cut":
        del body[-1]
    elif ending == "extra":
        body.append(data.draw(st.sampled_from([0x00, 0x40, 0x41, 0x7F, 0x80, 0xFC])))
    stale = data.draw(st.sampled_from([0x00, 0x80]))
    return HEADER + bytes([stale]) + bytes(body)


def draw_command(data: st.DataObject, length_of: Callable[[str], int]) -> list[Any]:
    key = data.draw(st.sampled_from(KEYS), label="key")
    kind = data.draw(st.sampled_from(
        ["pfadd", "set", "pfadd", "setrange", "pfcount", "append", "pfadd", "pfmerge",
         "setrange", "pfcount-many"]
    ), label="command")  # fmt: skip
    if kind == "pfadd":
        return ["PFADD", key, *_elements(data)]
    if kind == "pfcount":
        return ["PFCOUNT", key]
    if kind in ("pfcount-many", "pfmerge"):
        others = data.draw(st.lists(st.sampled_from([*KEYS, "nokey"]), max_size=3))
        return ["PFCOUNT", key, *others] if kind == "pfcount-many" else ["PFMERGE", key, *others]
    if kind == "setrange":
        length = length_of(key)
        near_end = data.draw(st.booleans())
        low = max(16, length - 4) if near_end else 16
        offset = data.draw(st.integers(low, max(low, length + 1)), label="offset")
        return ["SETRANGE", key, offset, data.draw(st.binary(min_size=1, max_size=3))]
    if kind == "append":
        tail = data.draw(st.sampled_from([b"\x40", b"\x41", b"\x7f", b"\x00", b"\x80"]))
        return ["APPEND", key, tail + data.draw(st.binary(max_size=1))]
    return ["SET", key, crafted_hll(data)]


# ---- both sides --------------------------------------------------------------------------


def on_fake(stash: FakeStash, argv: list[Any]) -> Any:
    try:
        reply = stash.execute(*argv)
    except CommandError as exc:
        return ("error", exc.text)
    return "OK" if reply == Status("OK") else reply


def on_redis(client: Any, argv: list[Any]) -> Any:
    try:
        reply = client.execute_command(*argv)
    except Exception as exc:  # redis.ResponseError: the reply is an error
        if type(exc).__name__ != "ResponseError":
            raise
        return ("error", str(exc))
    return "OK" if reply is True or reply == b"OK" else reply


@contextmanager
def resizes_seen() -> Iterator[list[int]]:
    """Record (in the list) each sparse update that reallocated the string and so zeroed a
    non-zero byte after it: what Redis 8.2 does and 7.0 does not."""
    seen: list[int] = []
    make_room = hll.Sketch._make_room

    def recording(sketch: hll.Sketch) -> None:
        before = sketch.tail
        make_room(sketch)
        if before and not sketch.tail:
            seen.append(before)

    hll.Sketch._make_room = recording  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        hll.Sketch._make_room = make_room  # type: ignore[method-assign]


def compare(oracle: Oracle, data: st.DataObject) -> None:
    client = oracle.client
    client.flushall()
    stash = FakeStash(seed=0)
    sent: list[list[Any]] = []

    def length_of(key: str) -> int:
        value = stash.execute("GET", key)
        return len(value) if isinstance(value, bytes) else 0

    with resizes_seen() as seen:
        for _ in range(STEPS):
            argv = draw_command(data, length_of)
            sent.append(argv)
            fake = on_fake(stash, argv)
            if seen and oracle.major < 8:
                return  # 7.0 keeps the byte 8.2 zeroes: from here on they differ by design
            real = on_redis(client, argv)
            assert fake == real, f"{argv[:3]} after {[a[:3] for a in sent[:-1]]}"
            for key in KEYS:
                assert stash.execute("GET", key) == client.get(key), f"{key} after {sent}"


@pytest.mark.timeout(1200 if DEEP else 300)
def test_corrupted_hlls_answer_and_store_what_redis_does(oracle: Oracle) -> None:
    @_SETTINGS
    @given(data=st.data())
    def sequences(data: st.DataObject) -> None:
        compare(oracle, data)

    sequences()


# ---- the reproduction that found it ------------------------------------------------------


@pytest.mark.timeout(300)
def test_the_conformance_sequence_that_found_it_now_matches(
    redis_endpoint: RedisEndpoint,
) -> None:
    """``fakestash conformance redis://… --steps 40 --exclusive --seed 0 --family
    hyperloglog --sequence 16``: a SETRANGE cut an XZERO at the end of a sparse HLL, and a
    PFADD of 400 elements answered INVALIDOBJ where Redis answers 1."""
    server = redis_endpoint.server
    target = open_target(f"redis://{server.host}:{server.port}")
    options = Options(seed=0, steps=40, exclusive=True, families=("hyperloglog",),
                      checks=(), sequence=16)  # fmt: skip
    try:
        report = Runner(target, options, say=lambda text: None).run()
    finally:
        target.close()
    assert report.unexplained == 0, report.to_text()
    [family] = report.families
    assert (family.matched, family.compared) == (1, 40)
