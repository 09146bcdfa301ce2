"""Differential: the declarations against Redis' own ``COMMAND INFO`` and ``COMMAND GETKEYS``.

For every command (and subcommand, and container) both know, fakestash's COMMAND INFO row,
generated from the declarations, must be Redis': arity, every flag, the legacy key positions
(first, last, step), every ACL category, the tips and every key spec (Redis' free-text
``notes`` aside). Against Redis 8.2, the line Upstash follows, nothing else may differ;
against Redis 7.0 only the fields Redis changed since (``SINCE_70``). Arities Upstash
changes on purpose (UNLINK with no key) come from ``fakestash.deviations``. Commands Redis
does not have (JSON, SEARCH, Upstash's additions, newer ones) are pinned by unit tests.

``COMMAND GETKEYS`` then checks the key extraction itself on argvs of every key spec shape.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from fakestash import FakeStash
from fakestash._conformance.normalise import TABLE_CHANGED_SINCE_70
from fakestash._engine.family import Command
from fakestash._engine.registry import Registry
from fakestash._engine.replies import Reply
from fakestash._errors import CommandError
from fakestash.deviations import find
from tests.conformance.conftest import RedisEndpoint
from tests.conformance.redis_process import RedisProcess

FIELDS = ("name", "arity", "flags", "first", "last", "step", "categories", "tips", "key_specs")

#: What Redis 7.0's COMMAND INFO says differently from 8.2's (command → field → why).
SINCE_70: dict[str, dict[str, str]] = {
    **TABLE_CHANGED_SINCE_70,
    "wait": {
        "flags": "blocking, no longer noscript, since Redis 7.2",
        "categories": "@blocking since Redis 7.2",
    },
    **{
        name: {"flags": "no longer noscript since Redis 7.2"}
        for name in ("blpop", "brpop", "brpoplpush", "blmove", "bzpopmin", "bzpopmax")
    },
    **{
        name: {"tips": "cluster routing tips revised since Redis 7.0"}
        for name in ("acl|deluser", "acl|save", "acl|setuser", "msetnx", "randomkey", "scan")
    },
    "sinterstore": {"key_specs": "the destination is OW (was RW) since Redis 7.2"},
    "command|getkeys": {"arity": "-3 (was -4) since Redis 7.2"},
}


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list):
        return [_text(item) for item in value]
    return value


def _without_notes(spec: list[Any]) -> list[Any]:
    pairs = dict(zip(spec[0::2], spec[1::2]))
    pairs.pop("notes", None)
    return [item for pair in pairs.items() for item in pair]


def _row(info: list[Any]) -> dict[str, Any]:
    row = dict(zip(FIELDS, info[:9]))
    row["key_specs"] = [_without_notes(spec) for spec in row["key_specs"]]
    return row


def _redis_rows(endpoint: RedisEndpoint) -> dict[str, list[Any]]:
    """Every command and subcommand Redis has, by name."""
    rows: dict[str, list[Any]] = {}

    def add(entry: list[Any]) -> None:
        rows[entry[0]] = entry
        for sub in entry[9]:
            add(sub)

    for entry in _text(endpoint.database.send([b"COMMAND"])):
        add(entry)
    return rows


def _ours(registry: Registry) -> list[Command]:
    found = []
    for cmd in registry:
        found.append(cmd)
        found += cmd.subcommands.values()
    return found


def _problems(
    registry: Registry, cmd: Command, theirs: list[Any], major: int
) -> list[str]:
    ours, redis = _row(registry.info(cmd)), _row(theirs)
    changed = SINCE_70.get(cmd.name, {}) if major < 8 else {}
    problems = []
    for field in FIELDS[1:]:
        if field in changed or ours[field] == redis[field]:
            continue
        if field == "arity" and find([cmd.name.encode()]) is not None:
            continue  # an arity Upstash changes (fakestash/deviations.py)
        problems.append(f"{field}: ours {ours[field]!r}, Redis {redis[field]!r}")
    return problems


@pytest.fixture
def redis_rows(redis_endpoint: RedisEndpoint) -> dict[str, list[Any]]:
    return _redis_rows(redis_endpoint)


def _fake(argv: list[bytes]) -> Reply:
    """``argv`` run by a fresh fake's engine (no REST: COMMAND's reply values as they are)."""
    return FakeStash(seed=0).database.execute(argv)


def test_command_info_matches_redis(
    redis_rows: dict[str, list[Any]], redis_server: RedisProcess
) -> None:
    registry = Registry.default()
    compared = [cmd for cmd in _ours(registry) if cmd.name in redis_rows]
    report = {
        cmd.name: _problems(registry, cmd, redis_rows[cmd.name], redis_server.major)
        for cmd in compared
    }
    wrong = {name: problems for name, problems in report.items() if problems}
    assert len(compared) > 200, "too few commands in common with Redis?"
    assert not wrong, "\n".join(f"{name}: {'; '.join(p)}" for name, p in sorted(wrong.items()))


def test_every_acl_category_has_redis_members(
    redis_rows: dict[str, list[Any]], redis_server: RedisProcess
) -> None:
    """Category by category, over the commands both know: the same members as Redis."""
    registry = Registry.default()
    changed = {n for n, fields in SINCE_70.items() if "categories" in fields}
    skip = changed if redis_server.major < 8 else set()
    known = {name for name in registry.leaves if name in redis_rows and name not in skip}
    for category, members in registry.members.items():
        theirs = {n for n in known if "@" + category in redis_rows[n][6]}
        assert members & known == theirs, category


#: Argvs of every key spec shape: one index, ranges (to the end, stepped, limited), counts,
#: keywords (forwards from a position), several specs, NOT_KEY, and argvs that do not fit.
GETKEYS = [
    ["GET", "k"],
    ["MGET", "a", "b", "c"],
    ["MSET", "a", "1", "b", "2"],
    ["LMOVE", "src", "dst", "LEFT", "RIGHT"],
    ["BITOP", "AND", "dst", "a", "b"],
    ["ZUNIONSTORE", "dst", "2", "a", "b", "WEIGHTS", "1", "2"],
    ["ZUNION", "2", "a", "b", "WITHSCORES"],
    ["ZINTERCARD", "3", "a", "b", "c", "LIMIT", "1"],
    ["SINTERCARD", "2", "a", "b"],
    ["LMPOP", "2", "a", "b", "LEFT", "COUNT", "2"],
    ["ZMPOP", "1", "z", "MIN"],
    ["EVAL", "return 1", "2", "a", "b", "x"],
    ["FCALL", "f", "1", "a", "x"],
    ["XREAD", "COUNT", "2", "STREAMS", "s1", "s2", "0", "0"],
    ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s1", "s2", ">", ">"],
    ["GEORADIUS", "k", "1", "2", "3", "m", "STORE", "dst"],
    ["GEORADIUS", "k", "1", "2", "3", "m", "STOREDIST", "dst", "COUNT", "2"],
    ["GEORADIUSBYMEMBER", "k", "m", "3", "km", "STORE", "dst"],
    ["GEOSEARCHSTORE", "dst", "src", "FROMMEMBER", "m", "BYRADIUS", "1", "km"],
    ["PFMERGE", "dst", "a", "b"],
    ["MEMORY", "USAGE", "k"],
    ["RENAME", "a", "b"],
    ["SPUBLISH", "ch", "msg"],
    ["HGETDEL", "h", "FIELDS", "1", "f"],
]
#: Argvs that do not fit their specs: no keys (Redis: "Invalid arguments specified").
NO_KEYS = [
    ["PFMERGE", "dst"],
    ["ZUNIONSTORE", "dst", "2", "a"],
    ["LMPOP", "x", "a", "LEFT"],
]


def _getkeys(endpoint: RedisEndpoint, argv: list[str]) -> list[bytes] | str:
    try:
        reply = endpoint.database.send([b"COMMAND", b"GETKEYS", *(a.encode() for a in argv)])
    except CommandError as exc:
        return exc.text
    assert isinstance(reply, list)
    return [item for item in reply if isinstance(item, bytes)]


@pytest.mark.parametrize("argv", GETKEYS, ids=" ".join)
def test_key_specs_find_the_keys_redis_finds(redis_endpoint: RedisEndpoint, argv: list[str]) -> None:
    raw = [a.encode() for a in argv]
    redis = _getkeys(redis_endpoint, argv)
    if redis == "ERR Invalid command specified":
        pytest.skip(f"this Redis does not have {argv[0]}")
    if isinstance(redis, str):  # e.g. SPUBLISH: its channel is a key spec, but not a key
        assert _answer(lambda: _fake([b"COMMAND", b"GETKEYS", *raw])) == redis
    else:
        assert Registry.default().lookup(raw).keys(raw) == redis


@pytest.mark.parametrize("argv", NO_KEYS, ids=" ".join)
def test_argvs_that_do_not_fit_have_no_keys(redis_endpoint: RedisEndpoint, argv: list[str]) -> None:
    assert _getkeys(redis_endpoint, argv) == "ERR Invalid arguments specified for command"
    assert Registry.default().lookup([a.encode() for a in argv]).keys(
        [a.encode() for a in argv]
    ) == []


@pytest.mark.parametrize("name", ["xread", "acl|cat", "georadius", "lmove", "zunionstore", "spublish"])
def test_command_info_replies_as_redis_does(redis_endpoint: RedisEndpoint, name: str) -> None:
    """The reply itself, types included (names bulk, flags and categories simple strings;
    commands whose key specs carry Redis' free-text notes aside)."""
    argv = [b"COMMAND", b"INFO", name.encode()]
    assert _fake(argv) == redis_endpoint.database.send(argv)


@pytest.mark.parametrize(
    "argv",
    [
        ["COMMAND", "GETKEYS", "NOPE", "x"],
        ["COMMAND", "GETKEYS", "PING", "x"],
        ["COMMAND", "GETKEYS", "SPUBLISH", "ch", "m"],
        ["COMMAND", "GETKEYS", "GET", "a", "b"],
        ["COMMAND", "GETKEYS", "PFMERGE", "dst"],
        ["COMMAND", "GETKEYS", "EVAL", "return 1", "0"],
        ["COMMAND", "LIST", "FILTERBY", "ACLCAT", "transaction"],
        ["COMMAND", "LIST", "FILTERBY", "MODULE", "json"],
        ["COMMAND", "LIST", "FILTERBY", "PATTERN", "x"],
        ["COMMAND", "LIST", "FILTERBY"],
        ["COMMAND", "LIST", "SOMETHING", "x", "y"],
    ],
    ids=" ".join,
)
def test_command_subcommands_answer_as_redis_does(
    redis_endpoint: RedisEndpoint, argv: list[str]
) -> None:
    raw = [a.encode() for a in argv]
    assert _answer(lambda: _fake(raw)) == _answer(lambda: redis_endpoint.database.send(raw))


def _answer(call: Callable[[], Reply]) -> Reply | str:
    """The reply, sorted if it is a list (Redis' order is its hash table's); or the error."""
    try:
        reply = call()
    except CommandError as exc:
        return exc.text
    return sorted(reply, key=repr) if isinstance(reply, list) else reply
