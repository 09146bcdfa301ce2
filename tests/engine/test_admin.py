"""WAIT, WAITAOF, MEMORY USAGE and ACL at the engine level (texts checked on redis-server 7.0)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash
from fakestash._engine.acl import AclState, User, apply_rule
from fakestash._engine.registry import Registry
from fakestash._engine.replies import OK
from fakestash._engine.values.memory import jemalloc_size
from tests.helpers import error, run

NOT_INTEGER = "ERR value is not an integer or out of range"


# ---- WAIT / WAITAOF ---------------------------------------------------------------------------


def test_wait_answers_zero_replicas_at_once(stash: FakeStash) -> None:
    assert run(stash, "WAIT", "0", "0") == 0
    assert run(stash, "WAIT", "3", "0") == 0  # would block forever in Redis: never here
    assert run(stash, "WAIT", "-1", "100") == 0


def test_wait_argument_errors(stash: FakeStash) -> None:
    assert error(stash, "WAIT", "x", "0") == NOT_INTEGER
    assert error(stash, "WAIT", "0", "-1") == "ERR timeout is negative"
    assert error(stash, "WAIT", "0", "x") == "ERR timeout is not an integer or out of range"
    assert error(stash, "WAIT", "0", "1.5") == "ERR timeout is not an integer or out of range"
    assert (
        error(stash, "WAIT", "0", "99999999999999999999")
        == "ERR timeout is not an integer or out of range"
    )
    assert error(stash, "WAIT", "0", str(2**63 - 1)) == "ERR timeout is out of range"
    assert error(stash, "WAIT", "0") == "ERR wrong number of arguments for 'wait' command"


def test_waitaof_reports_local_persistence_and_no_replicas(stash: FakeStash) -> None:
    assert run(stash, "WAITAOF", "1", "0", "0") == [1, 0]
    assert run(stash, "WAITAOF", "0", "2", "10") == [1, 0]


def test_waitaof_argument_errors(stash: FakeStash) -> None:
    out_of_range = "ERR value is out of range, value must between 0 and 1"
    assert error(stash, "WAITAOF", "2", "0", "0") == out_of_range
    assert error(stash, "WAITAOF", "-1", "0", "0") == out_of_range
    assert error(stash, "WAITAOF", "x", "0", "0") == NOT_INTEGER
    assert error(stash, "WAITAOF", "0", "-1", "0") == "ERR value is out of range, must be positive"
    assert error(stash, "WAITAOF", "0", "x", "0") == NOT_INTEGER
    assert error(stash, "WAITAOF", "1", "0", "-5") == "ERR timeout is negative"
    assert error(stash, "WAITAOF", "0", "0") == (
        "ERR wrong number of arguments for 'waitaof' command"
    )


# ---- MEMORY USAGE -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [  # MEMORY USAGE on redis-server 7.0 (jemalloc) for the same SET
        ("a", "v", 64),
        ("abcdefgh", "12345", 56),
        ("vv", "1234567890123", 48),
        ("s44", "x" * 44, 96),
        ("s45", "x" * 45, 112),
        ("s100", "x" * 100, 160),
        ("s1000", "x" * 1000, 1072),
        ("abcdefghijklmnopqrstuvwxyz12345", "v", 104),
    ],
)
def test_memory_usage_of_strings_matches_redis(
    stash: FakeStash, key: str, value: str, expected: int
) -> None:
    run(stash, "SET", key, value)
    assert run(stash, "MEMORY", "USAGE", key) == expected


def test_memory_usage_of_small_collections_matches_redis(stash: FakeStash) -> None:
    run(stash, "HSET", "h", "f", "v", "f2", "v2")
    run(stash, "ZADD", "z", "1", "a", "2", "b")
    run(stash, "SADD", "st", "1", "2", "3")
    assert run(stash, "MEMORY", "USAGE", "h") == 80
    assert run(stash, "MEMORY", "USAGE", "z") == 80
    assert run(stash, "MEMORY", "USAGE", "st") == 64


def test_memory_usage_of_a_large_set_matches_redis(stash: FakeStash) -> None:
    run(stash, "SADD", "bigs", *[f"m{i}" for i in range(1000)])
    assert run(stash, "MEMORY", "USAGE", "bigs") == 40296


def test_memory_usage_of_small_lists_is_one_listpack(stash: FakeStash) -> None:
    run(stash, "RPUSH", "l", "a", "b", "c")  # Redis 7.2+: a listpack (7.0: a quicklist)
    assert run(stash, "MEMORY", "USAGE", "l") == 8 + 24 + 16 + 16


def test_memory_usage_grows_with_the_value(stash: FakeStash) -> None:
    run(stash, "RPUSH", "small", *["x" * 10] * 10)
    run(stash, "RPUSH", "large", *["x" * 10] * 10_000)
    small, large = run(stash, "MEMORY", "USAGE", "small"), run(stash, "MEMORY", "USAGE", "large")
    assert isinstance(small, int) and isinstance(large, int)
    assert 100_000 < large < 200_000 and small < 200
    run(stash, "XADD", "x", "*", "f", "v")
    assert run(stash, "MEMORY", "USAGE", "x") == 4728  # Redis 7.0's figure for one entry
    run(stash, "JSON.SET", "j", "$", '{"a":[1,2,3]}')
    assert isinstance(run(stash, "MEMORY", "USAGE", "j"), int)


def test_memory_usage_samples_option(stash: FakeStash) -> None:
    run(stash, "HSET", "h", *[x for i in range(200) for x in (f"f{i}", "v" * (i % 50))])
    every = run(stash, "MEMORY", "USAGE", "h", "SAMPLES", "0")
    five = run(stash, "MEMORY", "USAGE", "h")
    assert run(stash, "MEMORY", "USAGE", "h", "samples", "5") == five
    assert isinstance(every, int) and isinstance(five, int) and every != five
    assert run(stash, "MEMORY", "USAGE", "h", "SAMPLES", "5", "SAMPLES", "0") == every


def test_memory_usage_of_a_missing_or_expired_key_is_nil(stash: FakeStash, clock) -> None:  # type: ignore[no-untyped-def]
    assert run(stash, "MEMORY", "USAGE", "nokey") is None
    run(stash, "SET", "k", "v", "PX", "10")
    clock.advance(ms=20)
    assert run(stash, "MEMORY", "USAGE", "k") is None


def test_memory_usage_errors(stash: FakeStash) -> None:
    assert error(stash, "MEMORY", "USAGE", "k", "SAMPLES") == "ERR syntax error"
    assert error(stash, "MEMORY", "USAGE", "k", "SAMPLES", "x") == NOT_INTEGER
    assert error(stash, "MEMORY", "USAGE", "k", "SAMPLES", "-1") == "ERR syntax error"
    assert error(stash, "MEMORY", "USAGE", "k", "FOO") == "ERR syntax error"
    assert error(stash, "MEMORY", "USAGE") == (
        "ERR wrong number of arguments for 'memory|usage' command"
    )
    assert error(stash, "MEMORY") == "ERR wrong number of arguments for 'memory' command"


@pytest.mark.parametrize("sub", ["STATS", "DOCTOR", "MALLOC-STATS", "PURGE", "HELP", "FOO"])
def test_other_memory_subcommands_are_unknown(stash: FakeStash, sub: str) -> None:
    assert error(stash, "MEMORY", sub) == f"ERR unknown subcommand '{sub}'. Try MEMORY HELP."


def test_jemalloc_size_classes() -> None:
    assert [jemalloc_size(n) for n in (1, 8, 9, 17, 21, 33, 128, 129, 161, 1006)] == [
        8, 8, 16, 32, 32, 48, 128, 160, 192, 1024,
    ]  # fmt: skip


# ---- ACL: reading -----------------------------------------------------------------------------


def sha(text: str) -> bytes:
    return hashlib.sha256(text.encode()).hexdigest().encode()


def test_whoami_is_default_outside_rest(stash: FakeStash) -> None:
    assert run(stash, "ACL", "WHOAMI") == b"default"
    assert error(stash, "ACL", "WHOAMI", "x") == (
        "ERR wrong number of arguments for 'acl|whoami' command"
    )


def test_users_lists_the_two_builtin_users(stash: FakeStash) -> None:
    assert run(stash, "ACL", "USERS") == [b"default", b"default_ro"]


def test_getuser_of_the_builtin_users(stash: FakeStash) -> None:
    assert run(stash, "ACL", "GETUSER", "default") == [
        b"flags", [b"on"], b"passwords", [sha(stash.token)], b"commands", b"+@all",
        b"keys", [b"*"], b"channels", [b"*"],
    ]  # fmt: skip
    ro = run(stash, "ACL", "GETUSER", "default_ro")
    assert isinstance(ro, list)
    assert ro[3] == [sha(stash.readonly_token)]
    assert ro[5] == (
        b"-@all +@read +acl|whoami +command +echo +eval_ro +evalsha_ro +fcall_ro +info +ping "
        b"+psubscribe +select +subscribe +time -keys -scan"
    )
    assert run(stash, "ACL", "GETUSER", "nobody") is None


def test_list_of_the_builtin_users(stash: FakeStash) -> None:
    lines = run(stash, "ACL", "LIST")
    assert isinstance(lines, list)
    assert lines[0] == b"user default on #" + sha(stash.token) + b" ~* &* +@all"
    assert isinstance(lines[1], bytes) and lines[1].startswith(b"user default_ro on #")


def test_cat_lists_categories_and_their_commands(stash: FakeStash) -> None:
    cats = run(stash, "ACL", "CAT")
    assert isinstance(cats, list) and cats[:3] == [b"keyspace", b"read", b"write"]
    assert len(cats) == 21
    read = run(stash, "ACL", "CAT", "READ")
    assert isinstance(read, list)
    assert b"get" in read and b"set" not in read and b"xinfo|stream" in read
    assert b"memory|usage" in read
    assert run(stash, "ACL", "CAT", "transaction") == [
        b"discard", b"exec", b"multi", b"unwatch", b"watch",
    ]  # fmt: skip
    assert error(stash, "ACL", "CAT", "foo") == "ERR Unknown category 'foo'"
    assert b"acl|setuser" in run(stash, "ACL", "CAT", "admin")  # type: ignore[operator]


def test_genpass(stash: FakeStash) -> None:
    password = run(stash, "ACL", "GENPASS")
    assert isinstance(password, bytes) and len(password) == 64
    int(password, 16)
    assert len(run(stash, "ACL", "GENPASS", "5")) == 2  # type: ignore[arg-type]
    assert len(run(stash, "ACL", "GENPASS", "4096")) == 1024  # type: ignore[arg-type]
    bad = (
        "ERR ACL GENPASS argument must be the number of bits for the output password, "
        "a positive number up to 4096"
    )
    for bits in ("0", "-1", "4097"):
        assert error(stash, "ACL", "GENPASS", bits) == bad
    assert error(stash, "ACL", "GENPASS", "x") == NOT_INTEGER


def test_genpass_is_deterministic_for_a_seed() -> None:
    assert FakeStash(seed=3).execute("ACL", "GENPASS") == FakeStash(seed=3).execute(
        "ACL", "GENPASS"
    )


def test_log_is_always_empty_and_reset_is_ok(stash: FakeStash) -> None:
    assert run(stash, "ACL", "LOG") == []
    assert run(stash, "ACL", "LOG", "10") == []
    assert run(stash, "ACL", "LOG", "-1") == []
    assert run(stash, "ACL", "LOG", "reset") == OK
    assert error(stash, "ACL", "LOG", "x") == NOT_INTEGER
    assert error(stash, "ACL", "LOG", "1", "2") == (
        "ERR unknown subcommand or wrong number of arguments for 'LOG'. Try ACL HELP."
    )


def test_save_and_load_answer_ok(stash: FakeStash) -> None:
    assert run(stash, "ACL", "SAVE") == OK
    assert run(stash, "ACL", "LOAD") == OK


def test_unknown_acl_subcommand(stash: FakeStash) -> None:
    assert error(stash, "ACL", "DRYRUN", "u", "get") == (
        "ERR unknown subcommand 'DRYRUN'. Try ACL HELP."
    )
    assert error(stash, "ACL") == "ERR wrong number of arguments for 'acl' command"
    help_lines = run(stash, "ACL", "HELP")
    assert isinstance(help_lines, list) and b"RESTTOKEN <username> <password>" in help_lines


# ---- ACL: users -------------------------------------------------------------------------------


def gentoken(stash: FakeStash, user: str, *password: str) -> str:
    token = run(stash, "ACL", "GENTOKEN", user, *password)
    assert isinstance(token, bytes)
    return token.decode()


def test_a_new_user_is_off_with_no_rights(stash: FakeStash) -> None:
    assert run(stash, "ACL", "SETUSER", "app") == OK
    assert run(stash, "ACL", "GETUSER", "app") == [
        b"flags", [b"off"], b"passwords", [], b"commands", b"-@all",
        b"keys", [], b"channels", [],
    ]  # fmt: skip
    assert run(stash, "ACL", "USERS") == [b"app", b"default", b"default_ro"]
    assert run(stash, "ACL", "LIST")[0] == b"user app off resetchannels -@all"  # type: ignore[index]


def test_setuser_rules_read_back_as_redis_describes_them(stash: FakeStash) -> None:
    token = gentoken(stash, "app")
    run(stash, "ACL", "SETUSER", "app", "on", ">" + token, "+@read", "-get", "+set", "~k*", "&ch*")
    assert run(stash, "ACL", "GETUSER", "app") == [
        b"flags", [b"on"], b"passwords", [sha(token)], b"commands", b"-@all +@read -get +set",
        b"keys", [b"k*"], b"channels", [b"ch*"],
    ]  # fmt: skip
    assert (
        run(stash, "ACL", "LIST")[0]
        == (  # type: ignore[index]
            f"user app on #{sha(token).decode()} ~k* resetchannels &ch* -@all +@read -get +set"
        ).encode()
    )


@pytest.mark.parametrize(
    ("rules", "expected"),
    [  # each checked on redis-server 7.0.15
        ("+@all -@read", "+@all -@read"),
        ("-@all +@read -@read", "-@all"),
        ("-@all +@read -get -@read", "-@all"),
        ("-@all +@read -@write", "-@all +@read"),
        ("-@all +get +@read", "-@all +@read"),
        ("-@all +get -@all", "-@all"),
        ("+@all -@read +@read", "+@all"),
        ("-@all -get", "-@all"),
        ("-@all +@read -get +get", "-@all +@read"),
        ("-@all +@read +@write -@read", "-@all +@write"),
        ("+get -get +get", "-@all +get"),
        ("-@all +GET +Set", "-@all +get +set"),
        ("nocommands allcommands", "+@all"),
    ],
)
def test_command_rules_are_compacted_like_redis(
    stash: FakeStash, rules: str, expected: str
) -> None:
    run(stash, "ACL", "SETUSER", "t", "reset", *rules.split())
    assert run(stash, "ACL", "GETUSER", "t")[5] == expected.encode()  # type: ignore[index]


def test_setuser_rule_errors_use_redis_texts(stash: FakeStash) -> None:
    prefix = "ERR Error in ACL SETUSER modifier"
    assert error(stash, "ACL", "SETUSER", "t", "+@foo") == (
        f"{prefix} '+@foo': Unknown command or category name in ACL"
    )
    assert error(stash, "ACL", "SETUSER", "t", "+nosuch") == (
        f"{prefix} '+nosuch': Unknown command or category name in ACL"
    )
    assert error(stash, "ACL", "SETUSER", "t", "bogus") == f"{prefix} 'bogus': Syntax error"
    assert error(stash, "ACL", "SETUSER", "t", "%R~x") == f"{prefix} '%R~x': Syntax error"
    assert error(stash, "ACL", "SETUSER", "t", "<zzz") == (
        f"{prefix} '<zzz': The password you are trying to remove from the user does not exist"
    )
    assert error(stash, "ACL", "SETUSER", "t", "!abc") == (
        f"{prefix} '!abc': The password hash must be exactly 64 characters and contain only "
        "lowercase hexadecimal characters"
    )
    assert error(stash, "ACL", "SETUSER", "t", "allkeys", "~x") == (
        f"{prefix} '~x': Adding a pattern after the * pattern (or the 'allkeys' flag) is not "
        "valid and does not have any effect. Try 'resetkeys' to start with an empty list of "
        "patterns"
    )
    assert error(stash, "ACL", "SETUSER", "t", "allchannels", "&x") == (
        f"{prefix} '&x': Adding a pattern after the * pattern (or the 'allchannels' flag) is "
        "not valid and does not have any effect. Try 'resetchannels' to start with an empty "
        "list of channels"
    )
    assert error(stash, "ACL", "SETUSER", "a b") == (
        "ERR Usernames can't contain spaces or null characters"
    )
    assert run(stash, "ACL", "GETUSER", "t") is None  # a failed SETUSER creates nothing


def test_setuser_refuses_what_upstash_refuses(stash: FakeStash) -> None:
    prefix = "ERR Error in ACL SETUSER modifier"
    assert error(stash, "ACL", "SETUSER", "t", ">plain") == (
        f"{prefix} '>plain': Passwords must be tokens generated with ACL GENTOKEN for this user"
    )
    other = gentoken(stash, "other")
    assert error(stash, "ACL", "SETUSER", "t", ">" + other).endswith(
        "Passwords must be tokens generated with ACL GENTOKEN for this user"
    )
    assert error(stash, "ACL", "SETUSER", "t", "nopass") == (
        f"{prefix} 'nopass': nopass is not supported: every user must have a password"
    )
    assert error(stash, "ACL", "SETUSER", "t", "#" + "a" * 64).startswith(
        f"{prefix} '#{'a' * 64}': Hashed passwords are not supported"
    )
    assert error(stash, "ACL", "SETUSER", "t", "+acl|whoami") == (
        f"{prefix} '+acl|whoami': Subcommand rules are not supported"
    )
    assert error(stash, "ACL", "SETUSER", "t", "(~x +get)") == (
        f"{prefix} '(~x +get)': Selectors are not supported"
    )
    assert error(stash, "ACL", "SETUSER", "default", "off") == (
        "ERR The 'default' user cannot be modified"
    )
    assert error(stash, "ACL", "SETUSER", "default_ro", "+set") == (
        "ERR The 'default_ro' user cannot be modified"
    )


def test_setuser_is_all_or_nothing(stash: FakeStash) -> None:
    run(stash, "ACL", "SETUSER", "t", "+get")
    assert error(stash, "ACL", "SETUSER", "t", "on", "+set", "+@nope").endswith(
        "Unknown command or category name in ACL"
    )
    assert run(stash, "ACL", "GETUSER", "t")[1:6:4] == [  # type: ignore[index]
        [b"off"],
        b"-@all +get",
    ]


def test_passwords_add_remove_and_reset(stash: FakeStash) -> None:
    one, two = gentoken(stash, "t"), gentoken(stash, "t")
    run(stash, "ACL", "SETUSER", "t", ">" + one, ">" + two, ">" + one)
    assert run(stash, "ACL", "GETUSER", "t")[3] == [sha(one), sha(two)]  # type: ignore[index]
    run(stash, "ACL", "SETUSER", "t", "<" + one)
    assert run(stash, "ACL", "GETUSER", "t")[3] == [sha(two)]  # type: ignore[index]
    run(stash, "ACL", "SETUSER", "t", "!" + sha(two).decode())
    assert run(stash, "ACL", "GETUSER", "t")[3] == []  # type: ignore[index]
    run(stash, "ACL", "SETUSER", "t", ">" + one, "resetpass")
    assert run(stash, "ACL", "GETUSER", "t")[3] == []  # type: ignore[index]


def test_reset_returns_a_user_to_its_new_state(stash: FakeStash) -> None:
    token = gentoken(stash, "t")
    run(stash, "ACL", "SETUSER", "t", "on", ">" + token, "allkeys", "allchannels", "+@all")
    run(stash, "ACL", "SETUSER", "t", "reset")
    assert run(stash, "ACL", "GETUSER", "t") == [
        b"flags", [b"off"], b"passwords", [], b"commands", b"-@all",
        b"keys", [], b"channels", [],
    ]  # fmt: skip


def test_key_and_channel_patterns(stash: FakeStash) -> None:
    run(stash, "ACL", "SETUSER", "t", "~a*", "~a*", "~b", "&c", "resetchannels", "&d")
    user = run(stash, "ACL", "GETUSER", "t")
    assert user[7:10:2] == [[b"a*", b"b"], [b"d"]]  # type: ignore[index]
    run(stash, "ACL", "SETUSER", "t", "~*")
    assert run(stash, "ACL", "GETUSER", "t")[7] == [b"*"]  # type: ignore[index]
    run(stash, "ACL", "SETUSER", "t", "resetkeys", "~x")
    assert run(stash, "ACL", "GETUSER", "t")[7] == [b"x"]  # type: ignore[index]


def test_deluser(stash: FakeStash) -> None:
    run(stash, "ACL", "SETUSER", "a")
    run(stash, "ACL", "SETUSER", "b")
    assert run(stash, "ACL", "DELUSER", "a", "nobody", "a") == 1
    assert error(stash, "ACL", "DELUSER", "b", "default") == (
        "ERR The 'default' user cannot be removed"
    )
    assert run(stash, "ACL", "USERS") == [b"b", b"default", b"default_ro"]  # none went
    assert error(stash, "ACL", "DELUSER", "default_ro") == (
        "ERR The 'default_ro' user cannot be removed"
    )
    assert error(stash, "ACL", "DELUSER") == (
        "ERR wrong number of arguments for 'acl|deluser' command"
    )


def test_users_survive_flushall(stash: FakeStash) -> None:
    run(stash, "ACL", "SETUSER", "a")
    run(stash, "FLUSHALL")
    assert run(stash, "ACL", "USERS") == [b"a", b"default", b"default_ro"]


# ---- ACL: tokens ------------------------------------------------------------------------------


def test_gentoken_makes_distinct_tokens_without_creating_the_user(stash: FakeStash) -> None:
    one, two = gentoken(stash, "app"), gentoken(stash, "app", "correct-Horse-battery-9")
    assert one != two and len(one) == 48
    assert run(stash, "ACL", "GETUSER", "app") is None


def test_gentoken_refuses_weak_passwords(stash: FakeStash) -> None:
    assert error(stash, "ACL", "GENTOKEN", "app", "password").startswith("ERR Password is too weak")
    assert error(stash, "ACL", "GENTOKEN", "app", "a", "b") == (
        "ERR wrong number of arguments for 'acl|gentoken' command"
    )


def test_resttoken_accepts_the_password_or_the_token(stash: FakeStash) -> None:
    token = gentoken(stash, "app", "correct-Horse-battery-9")
    run(stash, "ACL", "SETUSER", "app", "on", ">" + token)
    by_password = run(stash, "ACL", "RESTTOKEN", "app", "correct-Horse-battery-9")
    by_token = run(stash, "ACL", "RESTTOKEN", "app", token)
    assert isinstance(by_password, bytes) and isinstance(by_token, bytes)
    assert by_password != by_token


def test_resttoken_errors(stash: FakeStash) -> None:
    token = gentoken(stash, "app")
    assert error(stash, "ACL", "RESTTOKEN", "app", token) == (
        'ERR Wrong password or user "app" does not exist'
    )  # the user was never created
    run(stash, "ACL", "SETUSER", "app", ">" + token)
    assert error(stash, "ACL", "RESTTOKEN", "app", "wrong") == (
        'ERR Wrong password or user "app" does not exist'
    )
    assert error(stash, "ACL", "RESTTOKEN", "default", "wrong") == (
        'ERR Wrong password or user "default" does not exist'
    )
    assert isinstance(run(stash, "ACL", "RESTTOKEN", "default", stash.token), bytes)
    assert error(stash, "ACL", "RESTTOKEN", "app") == (
        "ERR wrong number of arguments for 'acl|resttoken' command"
    )


def test_acl_commands_are_refused_inside_scripts(stash: FakeStash) -> None:
    reply = error(stash, "EVAL", "return redis.call('acl', 'whoami')", "0")
    assert "This Redis command is not allowed from script" in reply


# ---- the rules model --------------------------------------------------------------------------

RULE = st.sampled_from(
    ["+@all", "-@all", "+@read", "-@read", "+@write", "-@write", "+@string", "-@hash",
     "+@fast", "-@slow", "+get", "-get", "+set", "-set", "+acl", "-acl", "+xinfo", "-hget",
     "allcommands", "nocommands", "+@keyspace", "-@dangerous", "+@scripting"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(RULE, max_size=8))
def test_the_described_rules_grant_exactly_what_the_rules_grant(rules: list[str]) -> None:
    catalog = Registry.default()
    state = AclState(catalog)
    user = User("u")
    for rule in rules:
        apply_rule(state, user, rule)
    naive = set()  # the rules applied one by one, without any compaction
    for rule in rules:
        if rule in ("+@all", "allcommands", "-@all", "nocommands"):
            naive = set(catalog.leaves) if rule in ("+@all", "allcommands") else set()
            continue
        target = rule[1:]
        if target.startswith("@"):
            names = set(catalog.members[target[1:]])
        else:
            names = {n for n in catalog.leaves if n == target or n.startswith(target + "|")}
        naive = naive | names if rule[0] == "+" else naive - names
    assert user.allowed == naive
    again = User("v")
    for rule in user.commands_text().split():
        apply_rule(state, again, rule)
    assert again.allowed == user.allowed
    assert again.commands_text() == user.commands_text()
