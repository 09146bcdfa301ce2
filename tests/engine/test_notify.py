"""CONFIG GET/SET notify-keyspace-events and keyspace notifications the oracle (Redis 7.0)
cannot check: expiry, hash field TTLs (7.4+), XACKDEL/XDELEX (8.2), MSETEX (8.4), RedisJSON's
module events. The rest is compared with a real Redis, event by event, in
tests/conformance/test_differential_notifications.py."""

from __future__ import annotations

from typing import Any

import pytest

from fakestash import FakeStash, ManualClock
from fakestash._engine.notify import ALL, flags_to_string, parse_flags
from fakestash._engine.replies import Status
from tests.helpers import error, run

INVALID = (
    "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
    "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
)


def events(stash: FakeStash, flags: str, *commands: tuple[Any, ...]) -> list[str]:
    """``event key`` for every keyevent message the commands publish."""
    run(stash, "CONFIG", "SET", "notify-keyspace-events", flags)
    with stash.psubscribe("__keyevent@0__:*") as collector:
        for cmd in commands:
            run(stash, *cmd)
        return [
            f"{m.channel.decode().split(':', 1)[1]} {m.data.decode()}" for m in collector.messages
        ]


# ---- CONFIG GET / SET ----------------------------------------------------------------------


def test_config_get_and_set_notify_keyspace_events(stash: FakeStash) -> None:
    name = b"notify-keyspace-events"
    assert run(stash, "CONFIG", "GET", "notify-keyspace-events") == [name, b""]
    assert run(stash, "CONFIG", "SET", "notify-keyspace-events", "KEA") == Status("OK")
    assert run(stash, "CONFIG", "GET", "notify-keyspace-events") == [name, b"AKE"]
    assert run(stash, "CONFIG", "GET", "notify*") == [name, b"AKE"]
    assert run(stash, "CONFIG", "GET", "NOTIFY-KEYSPACE-EVENTS") == [
        b"NOTIFY-KEYSPACE-EVENTS",
        b"AKE",
    ]
    assert run(stash, "CONFIG", "GET", "maxmemory", "*policy*") == []  # Upstash: nothing else
    assert run(stash, "CONFIG", "SET", "NOTIFY-keyspace-events", "Elx") == Status("OK")
    assert run(stash, "CONFIG", "GET", "*keyspace*") == [name, b"lxE"]


@pytest.mark.parametrize(
    ("flags", "shown"),
    [("", ""), ("KEA", "AKE"), ("KEAmn", "AKEm"), ("g$lshzxetd", "A"), ("Kx", "xK"),
     ("EKnm", "nKEm"), ("d", "d")],
)  # fmt: skip
def test_flags_render_as_redis_does(flags: str, shown: str) -> None:
    parsed = parse_flags(flags)
    assert parsed is not None and flags_to_string(parsed) == shown
    assert parse_flags("A") == ALL and parse_flags("KEQ") is None


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (("CONFIG", "SET", "notify-keyspace-events", "Q"), INVALID),
        (("CONFIG", "SET", "maxmemory", "10"), (
            "ERR Unknown option or number of arguments for CONFIG SET - 'maxmemory'"
        )),
        (("CONFIG", "SET", "notify-keyspace-events", "E", "notify-keyspace-events", "K"), (
            "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
            "duplicate parameter"
        )),
        (("CONFIG", "SET", "a", "b", "c"), "ERR syntax error"),
        (("CONFIG", "SET", "notify-keyspace-events"), (
            "ERR wrong number of arguments for 'config|set' command"
        )),
        (("CONFIG", "GET"), "ERR wrong number of arguments for 'config|get' command"),
        (("CONFIG", "REWRITE"), "ERR unknown subcommand 'REWRITE'. Try CONFIG HELP."),
    ],
)  # fmt: skip
def test_config_errors(stash: FakeStash, argv: tuple[str, ...], text: str) -> None:
    assert error(stash, *argv) == text
    assert run(stash, "CONFIG", "GET", "notify-keyspace-events")[1] == b""  # type: ignore[index]


def test_nothing_is_published_until_enabled(stash: FakeStash) -> None:
    with stash.psubscribe("__key*__:*") as collector:
        run(stash, "SET", "k", "v")
        run(stash, "CONFIG", "SET", "notify-keyspace-events", "KEA")
        run(stash, "DEL", "k")
        run(stash, "CONFIG", "SET", "notify-keyspace-events", "")
        run(stash, "SET", "k", "v")
        assert [(m.channel, m.data) for m in collector.messages] == [
            (b"__keyspace@0__:k", b"del"),
            (b"__keyevent@0__:del", b"k"),
        ]


def test_a_class_without_k_or_e_publishes_nothing(stash: FakeStash) -> None:
    assert events(stash, "A", ("SET", "k", "v")) == []


# ---- expiry ----------------------------------------------------------------------------------


def test_expired_keys_publish_expired_when_found(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "SET", "a", "1", "PX", "10")
    run(stash, "SET", "b", "1", "PX", "10")
    clock.advance(ms=11)
    assert events(stash, "Ex", ("GET", "a"), ("DBSIZE",)) == ["expired a", "expired b"]


def test_keymiss_follows_an_expired_read(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "SET", "a", "1", "PX", "10")
    clock.advance(ms=11)
    assert events(stash, "Exm", ("GET", "a")) == ["expired a", "keymiss a"]


def test_hash_field_ttls(stash: FakeStash, clock: ManualClock) -> None:
    run(stash, "HSET", "h", "a", "1", "b", "2", "c", "3")
    assert events(
        stash,
        "Egh",
        ("HEXPIRE", "h", "100", "FIELDS", "2", "a", "zz"),
        ("HEXPIRE", "h", "100", "NX", "FIELDS", "1", "a"),  # condition not met: no event
        ("HPERSIST", "h", "FIELDS", "1", "a"),
        ("HPERSIST", "h", "FIELDS", "1", "a"),  # had none: no event
        ("HPEXPIRE", "h", "10", "FIELDS", "1", "b"),
        ("HEXPIREAT", "h", "1", "FIELDS", "1", "c"),  # past: the field goes
    ) == ["hexpire h", "hpersist h", "hexpire h", "hdel h"]
    clock.advance(ms=11)
    assert events(stash, "Egh", ("HGET", "h", "b")) == ["hexpired h"]
    assert events(stash, "Egh", ("HEXPIREAT", "h", "1", "FIELDS", "1", "a")) == [
        "hdel h",
        "del h",
    ]


def test_hash_fields_expiring_take_the_key_with_a_del(
    stash: FakeStash, clock: ManualClock
) -> None:
    run(stash, "HSET", "h", "a", "1")
    run(stash, "HPEXPIRE", "h", "10", "FIELDS", "1", "a")
    clock.advance(ms=11)
    assert events(stash, "Egh", ("HLEN", "h")) == ["hexpired h", "del h"]


def test_hgetdel_hgetex_hsetex(stash: FakeStash) -> None:
    assert events(
        stash,
        "Eghn",
        ("HSETEX", "h", "EX", "100", "FIELDS", "2", "a", "1", "b", "2"),
        ("HSETEX", "h", "FNX", "FIELDS", "1", "a", "9"),  # a exists: nothing
        ("HGETEX", "h", "PERSIST", "FIELDS", "1", "a"),
        ("HGETEX", "h", "EX", "50", "FIELDS", "2", "a", "zz"),
        ("HGETEX", "h", "EXAT", "1", "FIELDS", "1", "a"),
        ("HGETDEL", "h", "FIELDS", "1", "zz"),
        ("HGETDEL", "h", "FIELDS", "1", "b"),
    ) == [
        "new h", "hset h", "hexpire h", "hpersist h", "hexpire h", "hdel h", "hdel h", "del h",
    ]  # fmt: skip


# ---- newer stream and string commands ------------------------------------------------------


def test_xackdel_and_xdelex_publish_xdel(stash: FakeStash) -> None:
    run(stash, "XADD", "s", "1-0", "f", "v")
    run(stash, "XADD", "s", "2-0", "f", "v")
    run(stash, "XGROUP", "CREATE", "s", "g", "0")
    assert events(
        stash,
        "Et",
        ("XDELEX", "s", "IDS", "1", "9-0"),
        ("XDELEX", "s", "IDS", "1", "1-0"),
        ("XACKDEL", "s", "g", "IDS", "1", "2-0"),
        ("XACKDEL", "s", "g", "IDS", "1", "2-0"),
    ) == ["xdel s", "xdel s"]


def test_xtrim_approximate_publishes_only_when_it_trims(stash: FakeStash) -> None:
    for _ in range(150):
        run(stash, "XADD", "s", "*", "f", "v")
    assert events(
        stash, "Et", ("XTRIM", "s", "MAXLEN", "~", "100"), ("XTRIM", "s", "MAXLEN", "~", "10")
    ) == ["xtrim s"]


def test_msetex_publishes_set_and_expire_per_key(stash: FakeStash) -> None:
    assert events(
        stash,
        "Eg$n",
        ("MSETEX", "2", "a", "1", "b", "2", "EX", "10"),
        ("MSETEX", "1", "a", "1", "NX"),
        ("MSETEX", "1", "a", "3", "XX", "KEEPTTL"),
    ) == ["new a", "set a", "expire a", "new b", "set b", "expire b", "set a"]


# ---- RedisJSON's module events ---------------------------------------------------------------


def test_json_commands_publish_module_events_when_they_change_something(
    stash: FakeStash,
) -> None:
    doc = '{"a":1,"s":"x","arr":[1,2],"t":true,"o":{"n":1}}'
    assert events(
        stash,
        "Edn",
        ("JSON.SET", "j", "$", doc),
        ("JSON.SET", "j", "$.a", "2", "NX"),  # exists: nothing
        ("JSON.NUMINCRBY", "j", "$.a", "1"),
        ("JSON.NUMINCRBY", "j", "$.s", "1"),  # not a number: nothing
        ("JSON.NUMMULTBY", "j", ".a", "2"),
        ("JSON.STRAPPEND", "j", "$.s", '"y"'),
        ("JSON.TOGGLE", "j", "$.t"),
        ("JSON.ARRAPPEND", "j", "$.arr", "3"),
        ("JSON.ARRINSERT", "j", "$.arr", "0", "0"),
        ("JSON.ARRPOP", "j", "$.arr"),
        ("JSON.ARRTRIM", "j", "$.arr", "0", "1"),
        ("JSON.MERGE", "j", "$.o", '{"m":2}'),
        ("JSON.CLEAR", "j", "$.o"),
        ("JSON.MSET", "j", "$.a", "7", "k", "$", "{}"),
        ("JSON.DEL", "j", "$.nope"),  # nothing deleted
        ("JSON.DEL", "j", "$.a"),
        ("JSON.FORGET", "k"),
    ) == [
        "new j", "json.set j", "json.numincrby j", "json.nummultby j", "json.strappend j",
        "json.toggle j", "json.arrappend j", "json.arrinsert j", "json.arrpop j",
        "json.arrtrim j", "json.merge j", "json.clear j", "json.mset j", "new k",
        "json.mset k", "json.del j", "json.del k",
    ]  # fmt: skip


def test_new_read_commands_publish_nothing(stash: FakeStash) -> None:
    run(stash, "SADD", "a", "1", "2")
    run(stash, "JSON.SET", "j", "$", "[1]")
    assert events(
        stash,
        "KEA",
        ("SDIFFCARD", "1", "a"),
        ("SUNIONCARD", "2", "a", "b", "APPROX"),
        ("JSON.DEBUG", "MEMORY", "j"),
        ("CONFIG", "GET", "*"),
    ) == []
