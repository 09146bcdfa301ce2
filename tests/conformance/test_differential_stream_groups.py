"""Consumer group bookkeeping against Redis 7.0 and Redis 8.2: every reply, and each group's
last-delivered-id, entries-read and lag as XINFO GROUPS and XINFO STREAM FULL report them,
after XADD (with MAXLEN), XDEL, XTRIM, XSETID, XGROUP CREATE/SETID (with ENTRIESREAD) and
XREADGROUP in any order.

Where Redis 7.0 answers otherwise (``xgroup-entriesread-capped``, ``stream-lag-rules`` and
``consumer-active-time`` in fakestash/deviations.py), fakestash follows 8.2: against 7.0
the command lines those choices name are sent to neither side, as ``fakestash
conformance`` does. Derandomized in CI; ``HYPOTHESIS_PROFILE=deep`` draws ten times as many
sequences, twice as long, at random.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakestash import FakeStash
from fakestash._backends.real_redis import real_redis_factory
from fakestash._errors import CommandError
from fakestash.deviations import version_choice
from tests.conftest import Oracle

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
_SETTINGS = settings(
    max_examples=1000 if DEEP else 100,
    derandomize=not DEEP,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
STEPS = 60 if DEEP else 30
#: The group fields compared (times are the servers' own clocks).
GROUP_FIELDS = (b"name", b"last-delivered-id", b"entries-read", b"lag", b"pel-count")


def draw_command(data: st.DataObject, top: int) -> list[str]:
    """One command on stream ``s``; ids run from 0-0 to a little past ``top``-0."""

    def some_id() -> str:
        ms = data.draw(st.integers(0, top + 1))
        return f"{ms}-{data.draw(st.integers(0, 1))}"

    def entries_read() -> list[str]:
        if not data.draw(st.booleans()):
            return []
        value = data.draw(st.sampled_from([-1, 0, 1, 2, 5, 100]) | st.integers(0, 12))
        return ["ENTRIESREAD", str(value)]

    group = data.draw(st.sampled_from(["g1", "g2"]))
    kind = data.draw(st.sampled_from(
        ["xadd", "xreadgroup", "xinfo-groups", "xdel", "xgroup-create", "xtrim",
         "xgroup-setid", "xinfo-full", "xsetid", "xadd-maxlen"]
    ))  # fmt: skip
    if kind == "xadd":
        return ["XADD", "s", f"{top + 1}-0", "f", "v"]
    if kind == "xadd-maxlen":
        return ["XADD", "s", "MAXLEN", str(data.draw(st.integers(0, 4))), f"{top + 1}-0", "f", "v"]
    if kind == "xreadgroup":
        count = str(data.draw(st.integers(1, 3)))
        return ["XREADGROUP", "GROUP", group, "c", "COUNT", count, "STREAMS", "s", ">"]
    if kind == "xdel":
        return ["XDEL", "s", some_id()]
    if kind == "xtrim":
        if data.draw(st.booleans()):
            return ["XTRIM", "s", "MAXLEN", str(data.draw(st.integers(0, 4)))]
        return ["XTRIM", "s", "MINID", some_id()]
    start = data.draw(st.sampled_from(["0", "$"]) | st.just(some_id()))
    if kind == "xgroup-create":
        mkstream = ["MKSTREAM"] if data.draw(st.booleans()) else []
        return ["XGROUP", "CREATE", "s", group, start, *mkstream, *entries_read()]
    if kind == "xgroup-setid":
        return ["XGROUP", "SETID", "s", group, start, *entries_read()]
    if kind == "xsetid":
        added = ["ENTRIESADDED", str(data.draw(st.integers(0, 12)))] if data.draw(st.booleans()) else []
        return ["XSETID", "s", f"{top + data.draw(st.integers(0, 1))}-0", *added]
    if kind == "xinfo-groups":
        return ["XINFO", "GROUPS", "s"]
    return ["XINFO", "STREAM", "s", "FULL"]


def groups_only(reply: Any) -> Any:
    """XINFO STREAM FULL's groups, each reduced to GROUP_FIELDS (other replies unchanged)."""
    if not (isinstance(reply, list) and b"groups" in reply[::2]):
        return reply
    info = dict(zip(reply[::2], reply[1::2]))
    groups = info[b"groups"]
    return [
        [(field, dict(zip(group[::2], group[1::2]))[field]) for field in GROUP_FIELDS]
        for group in groups
    ]


def answer(stash: FakeStash, argv: list[str]) -> Any:
    try:
        return groups_only(stash.execute(*argv))
    except CommandError as exc:
        return ("error", exc.text)


def top_of(argv: list[str], top: int) -> int:
    if argv[0] == "XADD":
        return top + 1
    if argv[0] == "XSETID":
        return max(top, int(argv[2].split("-")[0]))
    return top


@pytest.mark.timeout(1200 if DEEP else 300)
def test_group_counters_and_lag_match_redis(oracle: Oracle) -> None:
    server = oracle.server
    factory = real_redis_factory(server.host, server.port, allow_flush=True)

    @_SETTINGS
    @given(data=st.data())
    def sequences(data: st.DataObject) -> None:
        real = FakeStash(seed=0, database_factory=factory)
        real.database.flush()  # type: ignore[attr-defined]
        fake = FakeStash(seed=0)
        sent: list[list[str]] = []
        top = 0
        for _ in range(STEPS):
            argv = draw_command(data, top)
            if version_choice([a.encode() for a in argv], server.version) is not None:
                continue  # Redis 7.0 answers this otherwise; fakestash follows 8.2
            sent.append(argv)
            mine, theirs = answer(fake, argv), answer(real, argv)
            assert mine == theirs, f"{argv}: fake {mine!r}, Redis {theirs!r}, after {sent[:-1]}"
            top = top_of(argv, top)

    sequences()
