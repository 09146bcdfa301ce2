"""Every version choice in ``fakestash.deviations.VERSION_CHOICES`` is real and followed: an
example of it answers as fakestash does on Redis 8.2, differently on Redis 7.0, and the
differential harness skips it on 7.0 only."""

from __future__ import annotations

import pytest

from fakestash._conformance.differential import Differential, to_bytes
from fakestash.deviations import VERSION_BY_ID, VERSION_CHOICES, version_choice
from tests.conformance.conftest import RedisEndpoint

STREAM = [["XADD", "s", "1-0", "f", "v"], ["XGROUP", "CREATE", "s", "g", "0"]]
#: choice id -> (setup run on both sides, the command that shows the difference, the command
#: that the choice matches (it may be the setup's last)).
EXAMPLES: dict[str, tuple[list[list[str]], list[str], list[str]]] = {
    "bit-range-parsed-first": ([], ["BITCOUNT", "nokey", "1"], ["BITCOUNT", "nokey", "1"]),
    "bitop-diff-andor-one": (
        [["SET", "a", "x"]],
        ["BITOP", "DIFF", "d", "a", "a"],
        ["BITOP", "DIFF", "d", "a", "a"],
    ),
    "lpos-rank-range": (
        [["RPUSH", "l", "a"]],
        ["LPOS", "l", "a", "RANK", "-9223372036854775808"],
        ["LPOS", "l", "a", "RANK", "-9223372036854775808"],
    ),
    "zrank-withscore": (
        [["ZADD", "z", "1.5", "a"]],
        ["ZRANK", "z", "a", "WITHSCORE"],
        ["ZRANK", "z", "a", "WITHSCORE"],
    ),
    "xclaim-creates-consumer": (
        [*STREAM, ["XCLAIM", "s", "g", "c", "0", "1-0"]],
        ["XINFO", "GROUPS", "s"],
        ["XCLAIM", "s", "g", "c", "0", "1-0"],
    ),
    "xread-plus-last-entry": (
        STREAM,
        ["XREAD", "STREAMS", "s", "+"],
        ["XREAD", "STREAMS", "s", "+"],
    ),
    "xgroup-entriesread-capped": (
        [["XADD", "s", "1-0", "f", "v"], ["XGROUP", "CREATE", "s", "g", "$", "ENTRIESREAD", "9"]],
        ["XINFO", "GROUPS", "s"],
        ["XGROUP", "CREATE", "s", "g", "$", "ENTRIESREAD", "9"],
    ),
    "stream-lag-rules": (
        [
            *[["XADD", "s", f"{i}-0", "f", "v"] for i in (1, 2, 3)],
            ["XGROUP", "CREATE", "s", "g", "0"],
            ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"],
            ["XTRIM", "s", "MAXLEN", "1"],
        ],
        ["XINFO", "GROUPS", "s"],
        ["XINFO", "GROUPS", "s"],
    ),
    "hash-field-expiration": (
        [["HSET", "h", "f", "v"]],
        ["HEXPIREAT", "h", "4102444800", "FIELDS", "1", "f"],
        ["HEXPIREAT", "h", "4102444800", "FIELDS", "1", "f"],
    ),
    "stream-references": (
        STREAM,
        ["XDELEX", "s", "IDS", "1", "1-0"],
        ["XDELEX", "s", "IDS", "1", "1-0"],
    ),
}
#: Choices whose example cannot be compared exactly (times in the reply): only checked on 7.0.
SHAPE_ONLY = {
    "consumer-active-time": (
        [*STREAM, ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]],
        ["XINFO", "CONSUMERS", "s", "g"],
        ["XINFO", "CONSUMERS", "s", "g"],
    ),
}


def test_every_choice_with_a_matcher_has_an_example() -> None:
    with_matcher = {c.id for c in VERSION_CHOICES if c.matches is not None}
    assert with_matcher == set(EXAMPLES) | set(SHAPE_ONLY)


@pytest.mark.parametrize("choice_id", sorted(set(EXAMPLES) | set(SHAPE_ONLY)))
def test_matchers_know_the_version(choice_id: str) -> None:
    _, _, matched = {**EXAMPLES, **SHAPE_ONLY}[choice_id]
    argv = [to_bytes(a) for a in matched]
    found = version_choice(argv, "7.0.15")
    assert found is not None and found.id == choice_id
    assert version_choice(argv, "8.2.3") is None
    assert version_choice(argv, VERSION_BY_ID[choice_id].since) is None


def _both(diff: Differential, argv: list[str]) -> tuple[object, object]:
    raw = [to_bytes(a) for a in argv]
    return diff.fake.command(raw).reply, diff.other.command(raw).reply


@pytest.mark.parametrize("choice_id", sorted(EXAMPLES))
def test_examples_match_new_redis_and_not_redis70(
    differential: Differential, choice_id: str
) -> None:
    setup, probe, _ = EXAMPLES[choice_id]
    for argv in setup:
        _both(differential, argv)
    fake, real = _both(differential, probe)
    if differential.at_least(VERSION_BY_ID[choice_id].since):
        assert fake == real, f"{probe}: fake {fake!r}, Redis {differential.version} {real!r}"
    else:
        assert fake != real, f"{probe}: Redis {differential.version} already does this"


def test_shape_only_examples_differ_on_redis70(
    differential: Differential, redis_endpoint: RedisEndpoint
) -> None:
    if differential.at_least("7.2"):
        pytest.skip("shape-only examples document what Redis 7.0 does")
    for choice_id, (setup, probe, _) in SHAPE_ONLY.items():
        redis_endpoint.reset()
        for argv in setup:
            _both(differential, argv)
        fake, real = _both(differential, probe)
        assert isinstance(fake, list) and isinstance(real, list), choice_id
        assert len(fake[0]) != len(real[0]), f"{choice_id}: {fake!r} vs {real!r}"


def test_the_harness_skips_a_choice_on_older_redis_only(differential: Differential) -> None:
    reply = differential.check("ZRANK", "z", "a", "WITHSCORE")
    if differential.at_least("7.2"):
        assert reply is None and differential.versions_skipped == {}
    else:
        assert reply is None and differential.versions_skipped == {"zrank-withscore": 1}
