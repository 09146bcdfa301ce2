"""EVAL/EVALSHA/EVAL_RO/EVALSHA_RO and SCRIPT: conversions, sandbox, errors, flags.

Expected texts were taken from a real redis-server 7.0.15.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import CommandError, FakeStash, ManualClock
from fakestash._engine.acl import DEFAULT_RO
from fakestash._engine.admission import Caller
from fakestash._engine.args import to_arg
from fakestash._engine.replies import ErrorReply, Reply, Status
from tests.helpers import error, run


def sha(body: str) -> str:
    return hashlib.sha1(body.encode()).hexdigest()


def script_error(body: str, message: str, line: int = 1) -> str:
    return f"{message} script: {sha(body)}, on @user_script:{line}."


# ---- Lua → Redis conversions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("return 1", 1),
        ("return 3.99", 3),
        ("return -3.99", -3),
        ("return 'x'", b"x"),
        ("return true", 1),
        ("return false", None),
        ("return nil", None),
        ("return", None),
        ("return {1, 2, 3.9, 'x', nil, 5}", [1, 2, 3, b"x"]),
        ("return {{1, {2}}, {}}", [[1, [2]], []]),
        ("return {1, false, true}", [1, None, 1]),
        ("return {ok = 'FINE'}", Status("FINE")),
        ("return {double = 1.5}", b"1.5"),
        ("return {err = 5}", []),
        ("return 1e300", -(2**63)),
        ("return 0/0", -(2**63)),
        ("return {1, {ok = 'S'}, {err = 'E x'}}", [1, Status("S"), ErrorReply("E x")]),
        ("return redis.status_reply('FINE')", Status("FINE")),
    ],
)
def test_lua_values_convert_to_replies_as_redis_documents(
    stash: FakeStash, body: str, reply: object
) -> None:
    assert run(stash, "EVAL", body, 0) == reply


def test_top_level_error_table_is_the_error_reply_verbatim(stash: FakeStash) -> None:
    assert error(stash, "EVAL", "return {err = 'boom'}", 0) == "boom"
    assert error(stash, "EVAL", "return {err = 'MYERR boom'}", 0) == "MYERR boom"
    assert error(stash, "EVAL", "return redis.error_reply('boom')", 0) == "ERR boom"
    assert error(stash, "EVAL", "return redis.error_reply('-X boom')", 0) == "X boom"


def test_keys_and_argv_are_tables_of_strings(stash: FakeStash) -> None:
    assert run(stash, "EVAL", "return {KEYS[1], ARGV[1], #KEYS, #ARGV}", 1, "a", "b") == [
        b"a",
        b"b",
        1,
        1,
    ]
    assert run(stash, "EVAL", "return ARGV[1] + 1", 0, 41) == 42


# ---- Redis → Lua conversions ----------------------------------------------------------


def test_replies_convert_to_lua_values(stash: FakeStash) -> None:
    run(stash, "SET", "s", "abc")
    assert run(stash, "EVAL", "return type(redis.call('get', 'nokey'))", 0) == b"boolean"
    assert run(stash, "EVAL", "return redis.call('get', 's')", 0) == b"abc"
    assert run(stash, "EVAL", "return type(redis.call('strlen', 's'))", 0) == b"number"
    assert run(stash, "EVAL", "return redis.call('set', 'k', 'v')['ok']", 0) == b"OK"
    assert run(stash, "EVAL", "return redis.call('mget', 's', 'nokey', 's')", 0) == [
        b"abc",
        None,
        b"abc",
    ]


def test_numbers_sent_to_redis_call_use_17_significant_digits(stash: FakeStash) -> None:
    for value, stored in [
        ("3.7", b"3.7000000000000002"),
        ("0.1", b"0.10000000000000001"),
        ("1e20", b"1e+20"),
        ("-2.5", b"-2.5"),
        ("42", b"42"),
    ]:
        run(stash, "EVAL", f"return redis.call('set', 'n', {value})", 0)
        assert run(stash, "GET", "n") == stored


def test_setresp_3_turns_nil_into_lua_nil(stash: FakeStash) -> None:
    assert (
        run(stash, "EVAL", "redis.setresp(3); return type(redis.call('get', 'nokey'))", 0) == b"nil"
    )
    assert error(stash, "EVAL", "redis.setresp(4)", 0).startswith(
        "ERR RESP version must be 2 or 3."
    )


# ---- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "return foo",
            "ERR user_script:1: Script attempted to access nonexistent global variable 'foo'",
        ),
        ("foo = 1", "ERR user_script:1: Attempt to modify a readonly table"),
        ("string.foo = 1", "ERR user_script:1: Attempt to modify a readonly table"),
        ("return redis.call('nosuch')", "ERR Unknown Redis command called from script"),
        (
            "return redis.call('set', 'k')",
            "ERR Wrong number of args calling Redis command from script",
        ),
        (
            "return redis.call('eval', 'return 1', 0)",
            "ERR This Redis command is not allowed from script",
        ),
        (
            "return redis.call('script', 'load', 'return 1')",
            "ERR This Redis command is not allowed from script",
        ),
        ("return redis.call('multi')", "ERR This Redis command is not allowed from script"),
        (
            "return redis.call('subscribe', 'c')",
            "ERR This Redis command is not allowed from script",
        ),
        (
            "return redis.call('set', 'n', true)",
            "ERR Lua redis lib command arguments must be strings or integers",
        ),
        ("return redis.call()", "ERR Please specify at least one argument for this redis lib call"),
        ("error('oops')", "ERR user_script:1: oops"),
        ("error({err = 'tbl'})", "tbl"),
        ("error()", "ERR nil"),
        ("error(5)", "ERR user_script:1: 5"),
        (
            "return string.rep()",
            "ERR user_script:1: bad argument #1 to 'rep' (string expected, got no value)",
        ),
        ("return redis.sha1hex()", "ERR wrong number of arguments"),
        ("redis.log(10, 'hi')", "ERR Invalid debug level."),
        ("redis.log('x', 'hi')", "ERR First argument must be a number (log level)."),
        ("redis.log(1)", "ERR redis.log() requires two arguments or more."),
        (
            "return cjson.decode('x')",
            "ERR user_script:1: Expected value but found invalid token at character 1",
        ),
        (
            "return bit.band('x')",
            "ERR user_script:1: bad argument #1 to 'band' (number expected, got string)",
        ),
    ],
)
def test_errors_inside_scripts_have_redis_7_format(
    stash: FakeStash, body: str, message: str
) -> None:
    assert error(stash, "EVAL", body, 0) == script_error(body, message)


def test_command_errors_keep_their_code(stash: FakeStash) -> None:
    run(stash, "SET", "s", "abc")
    body = "return redis.call('incr', 's')"
    assert error(stash, "EVAL", body, 0) == script_error(
        body, "ERR value is not an integer or out of range"
    )
    run(stash, "RPUSH", "l", "x")
    body = "return redis.call('get', 'l')"
    assert error(stash, "EVAL", body, 0) == script_error(
        body, "WRONGTYPE Operation against a key holding the wrong kind of value"
    )


def test_error_line_is_the_line_of_the_failing_call(stash: FakeStash) -> None:
    body = "local x = 1\nlocal y = 2\nreturn redis.call('nosuch')"
    assert error(stash, "EVAL", body, 0) == script_error(
        body, "ERR Unknown Redis command called from script", 3
    )


def test_pcall_returns_error_tables_and_lua_pcall_returns_their_text(stash: FakeStash) -> None:
    run(stash, "SET", "s", "abc")
    assert (
        error(stash, "EVAL", "return redis.pcall('incr', 's')", 0)
        == "ERR value is not an integer or out of range"
    )
    assert (
        run(stash, "EVAL", "return redis.pcall('incr', 's')['err']", 0)
        == b"ERR value is not an integer or out of range"
    )
    assert run(
        stash, "EVAL", "local ok, e = pcall(redis.call, 'incr', 's'); return {tostring(ok), e}", 0
    ) == [b"false", b"ERR value is not an integer or out of range"]
    assert run(stash, "EVAL", "local ok, e = pcall(error, 'abc'); return e", 0) == b"abc"
    assert run(stash, "EVAL", "local ok, e = pcall(cjson.decode, 'x'); return e", 0) == (
        b"Expected value but found invalid token at character 1"
    )
    assert run(stash, "EVAL", "return {pcall(function() return 7 end)}", 0) == [1, 7]


def test_a_script_that_fails_keeps_the_writes_it_made(stash: FakeStash) -> None:
    body = "redis.call('set', 'a', '1'); return redis.call('nosuch')"
    error(stash, "EVAL", body, 0)
    assert run(stash, "GET", "a") == b"1"


def test_compile_errors(stash: FakeStash) -> None:
    assert error(stash, "EVAL", "return 1 +", 0) == (
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"
    )
    assert error(stash, "SCRIPT", "LOAD", "return +") == (
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'"
    )


def test_numkeys_errors(stash: FakeStash) -> None:
    assert error(stash, "EVAL", "return 1", -1) == "ERR Number of keys can't be negative"
    assert (
        error(stash, "EVAL", "return 1", 2, "a")
        == "ERR Number of keys can't be greater than number of args"
    )
    assert error(stash, "EVAL", "return 1", "x") == "ERR value is not an integer or out of range"
    assert error(stash, "EVAL", "return 1") == "ERR wrong number of arguments for 'eval' command"


# ---- sandbox ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["os", "io", "loadfile", "dofile", "print", "require", "module", "package", "debug", "python"],
)
def test_dangerous_globals_are_absent(stash: FakeStash, name: str) -> None:
    body = f"return {name}"
    assert error(stash, "EVAL", body, 0) == script_error(
        body, f"ERR user_script:1: Script attempted to access nonexistent global variable '{name}'"
    )


def test_loadstring_chunks_run_in_the_sandbox(stash: FakeStash) -> None:
    text = error(stash, "EVAL", "return loadstring('return os')()", 0)
    assert "Script attempted to access nonexistent global variable 'os'" in text
    assert run(stash, "EVAL", "return loadstring('return 1 + 1')()", 0) == 2


def test_allowed_globals_and_version(stash: FakeStash) -> None:
    assert run(stash, "EVAL", "return _VERSION", 0) == b"Lua 5.1"
    assert run(stash, "EVAL", "return type(loadstring)", 0) == b"function"
    assert run(stash, "EVAL", "return redis.REDIS_VERSION", 0) == b"8.2.0"
    assert run(stash, "EVAL", "local t = {}; t.x = 1; return t.x", 0) == 1


def test_lua_reports_the_version_info_reports(stash: FakeStash) -> None:
    info = run(stash, "INFO", "server")
    assert isinstance(info, bytes)
    version = next(
        line.split(b":", 1)[1] for line in info.split(b"\r\n") if line.startswith(b"redis_version:")
    )
    assert run(stash, "EVAL", "return redis.REDIS_VERSION", 0) == version == b"8.2.0"
    major, minor, patch = (int(part) for part in version.split(b"."))
    assert run(stash, "EVAL", "return redis.REDIS_VERSION_NUM", 0) == (
        major << 16 | minor << 8 | patch
    ) == 0x080200
    library = "#!lua name=v\nredis.register_function('v', function() return redis.REDIS_VERSION end)"
    run(stash, "FUNCTION", "LOAD", library)
    assert run(stash, "FCALL", "v", 0) == version


def test_globals_do_not_leak_between_scripts(stash: FakeStash) -> None:
    run(stash, "EVAL", "return 1", 1, "k")
    body = "return KEYS[1]"
    assert run(stash, "EVAL", body, 0) is None


# ---- redis.* helpers --------------------------------------------------------------------


def test_sha1hex_and_log(stash: FakeStash, caplog: pytest.LogCaptureFixture) -> None:
    assert (
        run(stash, "EVAL", "return redis.sha1hex('')", 0)
        == b"da39a3ee5e6b4b0d3255bfef95601890afd80709"
    )
    with caplog.at_level("WARNING", logger="fakestash.lua"):
        assert (
            run(stash, "EVAL", "redis.log(redis.LOG_WARNING, 'hello', 'there'); return 1", 0) == 1
        )
    assert "hello there" in caplog.text


def test_math_random_is_redis_lrand48(stash: FakeStash) -> None:
    assert (
        run(stash, "EVAL", "math.randomseed(0); return tostring(math.random())", 0)
        == b"0.17082803611217"
    )
    assert run(stash, "EVAL", "math.randomseed(1); return math.random(1000)", 0) == 42
    assert run(stash, "EVAL", "math.randomseed(1); return {math.random(5, 6), math.random(3)}", 0)[
        0
    ] in (5, 6)


def test_math_random_sequence_is_the_same_for_the_same_seed(clock: ManualClock) -> None:
    def sequence(seed: int) -> list[object]:
        stash = FakeStash(seed=seed, clock=clock)
        return [stash.execute("EVAL", "return math.random(1000000)", 0) for _ in range(3)]

    assert sequence(7) == sequence(7)


# ---- libraries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("return cjson.encode({1, 2, {a = 1}})", b'[1,2,{"a":1}]'),
        ("return cjson.encode({})", b"{}"),
        ("return cjson.encode({[1] = 1, [3] = 3})", b"[1,null,3]"),
        ("return cjson.encode(0.1)", b"0.1"),
        ("return cjson.encode(123456789012345)", b"1.2345678901234e+14"),
        ("return cjson.encode('a/b\"\\n\\1')", b'"a\\/b\\"\\n\\u0001"'),
        ("return cjson.encode({a = cjson.null})", b'{"a":null}'),
        (
            'local t = cjson.decode(\'{"a":[1,2.5,null,"x"],"b":true}\'); '
            "return {t.a[1], tostring(t.a[2]), tostring(t.a[3]), t.a[4], tostring(t.b)}",
            [1, b"2.5", b"userdata: (nil)", b"x", b"true"],
        ),
        ("return bit.tohex(255)", b"000000ff"),
        ("return bit.tohex(255, -4)", b"00FF"),
        ("return bit.band(0xffffffff, 0xff)", 255),
        ("return bit.bnot(0)", -1),
        ("return bit.lshift(1, 31)", -(2**31)),
        ("return bit.bxor(5, 3, 1)", 7),
        ("return bit.arshift(-256, 4)", -16),
        ("return bit.bswap(0x12345678)", 0x78563412),
        ("return struct.pack('>I2', 258)", b"\x01\x02"),
        ("return {struct.unpack('>I2', 'ab')}", [24930, 3]),
        ("return {struct.unpack('<i4 s', struct.pack('<i4 s', -2, 'hi'))}", [-2, b"hi", 8]),
        ("return struct.size('>I2 d b')", 11),
        ("return cmsgpack.pack({1, 2, 3})", b"\x93\x01\x02\x03"),
        ("return cmsgpack.pack({a = 1})", b"\x81\xa1a\x01"),
        ("return cmsgpack.pack(1.5, -1, 300, 'x')", b"\xca\x3f\xc0\x00\x00\xff\xcd\x01\x2c\xa1x"),
        ("return {cmsgpack.unpack(cmsgpack.pack({1, 'a', {x = 1}}, 5))}", [[1, b"a", []], 5]),
        ("local t = cmsgpack.unpack(cmsgpack.pack({x = 'y'})); return t.x", b"y"),
    ],
)
def test_bundled_libraries(stash: FakeStash, body: str, reply: object) -> None:
    assert run(stash, "EVAL", body, 0) == reply


def test_cjson_refuses_sparse_arrays(stash: FakeStash) -> None:
    body = "return cjson.encode({[1] = 1, [20] = 3})"
    assert error(stash, "EVAL", body, 0) == script_error(
        body, "ERR user_script:1: Cannot serialise table: excessively sparse array"
    )


@settings(max_examples=40, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=8),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(min_size=1, max_size=4), children, max_size=4)
        ),
        max_leaves=10,
    )
)
def test_cjson_round_trips_json(value: object) -> None:
    import json

    stash = FakeStash(clock=ManualClock())
    text = json.dumps(value)
    encoded = stash.execute("EVAL", "return cjson.encode(cjson.decode(ARGV[1]))", 0, text)
    assert isinstance(encoded, bytes)
    assert _normalise(json.loads(encoded)) == _normalise(value)


def _normalise(value: object) -> object:
    """cjson cannot tell an empty list from an empty object."""
    if isinstance(value, list):
        return [_normalise(v) for v in value] if value else {}
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    return value


# ---- EVALSHA and SCRIPT -----------------------------------------------------------------


def test_script_load_then_evalsha(stash: FakeStash) -> None:
    digest = run(stash, "SCRIPT", "LOAD", "return ARGV[1]")
    assert digest == sha("return ARGV[1]").encode()
    assert run(stash, "EVALSHA", digest, 0, "x") == b"x"
    assert run(stash, "EVALSHA", digest.upper(), 0, "y") == b"y"
    assert run(stash, "EVALSHA_RO", digest, 0, "z") == b"z"


def test_eval_caches_the_script(stash: FakeStash) -> None:
    run(stash, "EVAL", "return 1", 0)
    assert run(stash, "SCRIPT", "EXISTS", sha("return 1"), "f" * 40) == [1, 0]


def test_evalsha_miss_is_noscript(stash: FakeStash) -> None:
    assert error(stash, "EVALSHA", "f" * 40, 0) == "NOSCRIPT No matching script. Please use EVAL."
    assert error(stash, "EVALSHA", "abc", 0) == "NOSCRIPT No matching script. Please use EVAL."
    assert (
        error(stash, "EVALSHA_RO", "f" * 40, 0) == "NOSCRIPT No matching script. Please use EVAL."
    )


def test_script_flush_empties_the_cache(stash: FakeStash) -> None:
    digest = run(stash, "SCRIPT", "LOAD", "return 1")
    assert run(stash, "SCRIPT", "FLUSH") == Status("OK")
    assert run(stash, "SCRIPT", "FLUSH", "ASYNC") == Status("OK")
    assert run(stash, "SCRIPT", "EXISTS", digest) == [0]
    assert (
        error(stash, "SCRIPT", "FLUSH", "bogus")
        == "ERR SCRIPT FLUSH only support SYNC|ASYNC option"
    )


def test_script_kill_is_notbusy(stash: FakeStash) -> None:
    assert error(stash, "SCRIPT", "KILL") == "NOTBUSY No scripts in execution right now."


def test_script_subcommand_errors(stash: FakeStash) -> None:
    assert (
        error(stash, "SCRIPT", "LOAD") == "ERR wrong number of arguments for 'script|load' command"
    )
    assert (
        error(stash, "SCRIPT", "EXISTS")
        == "ERR wrong number of arguments for 'script|exists' command"
    )


# ---- shebang flags and read-only runs ---------------------------------------------------


def test_shebang_flags(stash: FakeStash) -> None:
    assert run(stash, "EVAL", "#!lua\nreturn 1", 0) == 1
    assert run(stash, "EVAL", "#!lua flags=\nreturn 1", 0) == 1
    assert run(stash, "EVAL", "#!lua  flags=no-writes,allow-oom\nreturn 1", 0) == 1
    assert (
        run(stash, "EVAL", "#!lua flags=allow-key-locking,no-writes\nreturn KEYS[1]", 1, "k")
        == b"k"
    )
    assert (
        error(stash, "EVAL", "#!lua flags=bogus\nreturn 1", 0)
        == "ERR Unexpected flag in script shebang: bogus"
    )
    assert (
        error(stash, "EVAL", "#!lua flags=NO-WRITES\nreturn 1", 0)
        == "ERR Unexpected flag in script shebang: NO-WRITES"
    )
    assert (
        error(stash, "EVAL", "#!lua flags=no-writes,,allow-oom\nreturn 1", 0)
        == "ERR Unexpected flag in script shebang: "
    )
    assert (
        error(stash, "EVAL", "#!lua name=x\nreturn 1", 0)
        == "ERR Unknown lua shebang option: name=x"
    )
    assert (
        error(stash, "EVAL", "#!python\nreturn 1", 0)
        == "ERR Unexpected engine in script shebang: #!python"
    )
    assert error(stash, "EVAL", "#!lua", 0) == "ERR Invalid script shebang"


def test_no_writes_scripts_and_eval_ro_refuse_writes(stash: FakeStash) -> None:
    body = "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')"
    assert error(stash, "EVAL", body, 0) == script_error(
        body, "ERR Write commands are not allowed from read-only scripts.", 2
    )
    body = "return redis.call('set', 'k', 'v')"
    assert error(stash, "EVAL_RO", body, 0) == script_error(
        body, "ERR Write commands are not allowed from read-only scripts."
    )
    assert run(stash, "EVAL_RO", "return redis.call('get', 'k')", 0) is None
    assert run(stash, "EXISTS", "k") == 0


def test_eval_ro_refuses_a_shebang_script_without_no_writes(stash: FakeStash) -> None:
    assert (
        error(stash, "EVAL_RO", "#!lua\nreturn 1", 0)
        == "ERR Can not execute a script with write flag using *_ro command."
    )
    assert run(stash, "EVAL_RO", "#!lua flags=no-writes\nreturn 1", 0) == 1


def test_key_locking_refuses_undeclared_keys(stash: FakeStash) -> None:
    body = "#!lua flags=allow-key-locking\nreturn redis.call('get', 'other')"
    assert error(stash, "EVAL", body, 1, "k") == script_error(
        body,
        "ERR Dynamic keys are not allowed in Lua scripts when 'allow-key-locking' flag is set. Key was: other",
        2,
    )
    body = "#!lua flags=allow-key-locking\nreturn redis.call('mget', KEYS[1], KEYS[2])"
    assert run(stash, "EVAL", body, 2, "a", "b") == [None, None]
    assert run(stash, "EVAL", "return redis.call('get', 'other')", 1, "k") is None


def test_read_only_caller_cannot_write_from_a_script(stash: FakeStash) -> None:
    """Scripts run by the read-only token's user (``default_ro``), EVAL itself unchecked."""
    caller = Caller(DEFAULT_RO)

    def run(stash: FakeStash, *args: Any) -> Reply:
        argv = [to_arg(a) for a in args]
        return stash.database.run(stash.database.registry.lookup(argv), argv, caller=caller)

    def error(stash: FakeStash, *args: Any) -> str:
        with pytest.raises(CommandError) as info:
            run(stash, *args)
        return info.value.text

    body = "return redis.call('set', 'k', 'v')"
    assert error(stash, "EVAL", body, 0) == script_error(
        body, "ERR The user executing the script can't run this command or subcommand"
    )
    assert run(stash, "EVAL", "return redis.acl_check_cmd('set', 'k', 'v')", 0) is None
    assert run(stash, "EVAL", "return redis.acl_check_cmd('get', 'k')", 0) == 1


def test_eval_flags_in_the_command_table() -> None:
    from fakestash._engine.family import NOSCRIPT, READONLY
    from fakestash._engine.registry import Registry

    for name in ("eval", "evalsha", "eval_ro", "evalsha_ro"):
        cmd = Registry.default().get(name)
        assert cmd is not None and NOSCRIPT in cmd.flags and not cmd.is_write
    assert READONLY in Registry.default().get("eval_ro").flags  # type: ignore[union-attr]
    assert Registry.default().get("eval").keys([b"EVAL", b"s", b"2", b"a", b"b", b"c"]) == [b"a", b"b"]  # type: ignore[union-attr]


# ---- time and atomicity -----------------------------------------------------------------


def test_time_inside_a_script_is_the_fake_clock(stash: FakeStash, clock: ManualClock) -> None:
    assert run(stash, "EVAL", "return redis.call('time')", 0) == [b"1700000000", b"0"]
    clock.advance(seconds=5, ms=250)
    assert run(stash, "EVAL", "return redis.call('time')", 0) == [b"1700000005", b"250000"]


def test_expiry_inside_a_script_follows_the_fake_clock(
    stash: FakeStash, clock: ManualClock
) -> None:
    run(
        stash,
        "EVAL",
        "redis.call('set', KEYS[1], 'v'); redis.call('pexpire', KEYS[1], 1000)",
        1,
        "k",
    )
    clock.advance(ms=999)
    assert run(stash, "EVAL", "return redis.call('get', KEYS[1])", 1, "k") == b"v"
    clock.advance(ms=2)
    assert run(stash, "EVAL", "return redis.call('get', KEYS[1])", 1, "k") is None


def test_the_clock_is_frozen_for_the_whole_script() -> None:
    class Ticking:
        def __init__(self) -> None:
            self.now = 1_700_000_000_000

        def time_ms(self) -> int:
            self.now += 1000
            return self.now

    stash = FakeStash(clock=Ticking())
    body = (
        "redis.call('set', 'k', 'v', 'PX', 1500); local a = redis.call('pttl', 'k'); "
        "local b = redis.call('get', 'k'); return {a, b}"
    )
    assert run(stash, "EVAL", body, 0) == [1500, b"v"]


def test_scripts_are_atomic_against_other_threads(stash: FakeStash) -> None:
    body = (
        "local v = tonumber(redis.call('get', KEYS[1]) or '0'); "
        "for i = 1, 50 do local x = i * 2 end; redis.call('set', KEYS[1], v + 1)"
    )

    def worker() -> None:
        for _ in range(50):
            stash.execute("EVAL", body, 1, "counter")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert run(stash, "GET", "counter") == b"200"


def test_databases_have_separate_script_caches(clock: ManualClock) -> None:
    stash = FakeStash(clock=clock)
    stash.add_database()
    digest = stash.execute("SCRIPT", "LOAD", "return 1")
    assert stash.execute("SCRIPT", "EXISTS", digest, db=1) == [0]
