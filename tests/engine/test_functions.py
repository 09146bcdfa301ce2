"""FUNCTION LOAD/DELETE/FLUSH/KILL/LIST/STATS and FCALL/FCALL_RO.

Expected texts were taken from a real redis-server 7.0.15, except FCALL_RO of a function
without ``no-writes``, where fakestash copies Upstash (it runs; only writes are refused).
"""

from __future__ import annotations

import pytest

from fakestash import FakeStash
from fakestash._engine.replies import Status
from tests.helpers import error, run

LIB = """#!lua name=mylib
redis.register_function('echo_key', function(keys, args) return keys[1] end)
redis.register_function{function_name='ro_set', callback=function(keys, args)
  return redis.call('set', keys[1], args[1]) end, flags={'no-writes'}, description='desc'}
redis.register_function('missing', function(keys, args) return foo end)
redis.register_function('get', function(keys, args) return redis.call('get', keys[1]) end)
redis.register_function('set', function(keys, args) return redis.call('set', keys[1], args[1]) end)
"""


@pytest.fixture
def loaded(stash: FakeStash) -> FakeStash:
    assert run(stash, "FUNCTION", "LOAD", LIB) == b"mylib"
    return stash


def test_fcall_passes_keys_and_args(loaded: FakeStash) -> None:
    assert run(loaded, "FCALL", "echo_key", 1, "a") == b"a"
    assert run(loaded, "FCALL", "set", 1, "k", "v") == Status("OK")
    assert run(loaded, "FCALL", "get", 1, "k") == b"v"


def test_function_errors_name_the_function(loaded: FakeStash) -> None:
    assert error(loaded, "FCALL", "missing", 0) == (
        "ERR user_function:5: Script attempted to access nonexistent global variable 'foo' "
        "script: missing, on @user_function:5."
    )


def test_no_writes_function_refuses_writes(loaded: FakeStash) -> None:
    assert error(loaded, "FCALL", "ro_set", 1, "a", "b") == (
        "ERR Write commands are not allowed from read-only scripts. script: ro_set, on @user_function:4."
    )


def test_fcall_ro_runs_a_reading_function_without_no_writes_upstash(loaded: FakeStash) -> None:
    run(loaded, "SET", "k", "v")
    assert run(loaded, "FCALL_RO", "get", 1, "k") == b"v"
    assert error(loaded, "FCALL_RO", "set", 1, "k", "x") == (
        "ERR Write commands are not allowed from read-only scripts. script: set, on @user_function:7."
    )
    assert run(loaded, "GET", "k") == b"v"


def test_fcall_errors(loaded: FakeStash) -> None:
    assert error(loaded, "FCALL", "nosuch", 0) == "ERR Function not found"
    assert error(loaded, "FCALL_RO", "nosuch", 0) == "ERR Function not found"
    assert error(loaded, "FCALL", "echo_key", "x") == "ERR Bad number of keys provided"
    assert (
        error(loaded, "FCALL", "echo_key", 5)
        == "ERR Number of keys can't be greater than number of args"
    )
    assert error(loaded, "FCALL", "echo_key", -1) == "ERR Number of keys can't be negative"


def test_function_globals_have_no_keys_or_argv(stash: FakeStash) -> None:
    run(
        stash,
        "FUNCTION",
        "LOAD",
        "#!lua name=g\nredis.register_function('f', function() return KEYS end)",
    )
    assert error(stash, "FCALL", "f", 0) == (
        "ERR user_function:2: Script attempted to access nonexistent global variable 'KEYS' "
        "script: f, on @user_function:2."
    )


def test_library_helpers_and_runtime_globals(stash: FakeStash) -> None:
    code = """#!lua name=rt
local function helper() return string.format('%d', 5) end
redis.register_function('rt', function(keys, args) return {helper(), type(redis.call), #keys} end)
redis.register_function('rf', function() return redis.register_function end)
"""
    run(stash, "FUNCTION", "LOAD", code)
    assert run(stash, "FCALL", "rt", 1, "a") == [b"5", b"function", 1]
    assert run(stash, "FCALL", "rf", 0) is None


def test_function_list_and_stats(loaded: FakeStash) -> None:
    listing = run(loaded, "FUNCTION", "LIST")
    assert listing == [
        [
            b"library_name",
            b"mylib",
            b"engine",
            b"LUA",
            b"functions",
            [
                [b"name", b"echo_key", b"description", None, b"flags", []],
                [b"name", b"get", b"description", None, b"flags", []],
                [b"name", b"missing", b"description", None, b"flags", []],
                [b"name", b"ro_set", b"description", b"desc", b"flags", [b"no-writes"]],
                [b"name", b"set", b"description", None, b"flags", []],
            ],
        ]
    ]
    with_code = run(loaded, "FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "my*")
    assert with_code[0][-2:] == [b"library_code", LIB.encode()]  # type: ignore[index]
    assert run(loaded, "FUNCTION", "LIST", "LIBRARYNAME", "other*") == []
    assert run(loaded, "FUNCTION", "STATS") == [
        b"running_script",
        None,
        b"engines",
        [b"LUA", [b"libraries_count", 1, b"functions_count", 5]],
    ]


def test_function_list_argument_errors(stash: FakeStash) -> None:
    assert (
        error(stash, "FUNCTION", "LIST", "LIBRARYNAME") == "ERR library name argument was not given"
    )
    assert error(stash, "FUNCTION", "LIST", "bogus") == "ERR Unknown argument bogus"
    assert (
        error(stash, "FUNCTION", "LIST", "WITHCODE", "WITHCODE") == "ERR Unknown argument WITHCODE"
    )
    assert (
        error(stash, "FUNCTION", "STATS", "x")
        == "ERR wrong number of arguments for 'function|stats' command"
    )


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("return 1", "ERR Missing library metadata"),
        ("#!lua\nreturn 1", "ERR Library name was not given"),
        ("#!lua name=lib2 foo=bar\nreturn 1", "ERR Invalid metadata value given: foo=bar"),
        (
            "#!lua name=a name=b\nreturn 1",
            "ERR Invalid metadata value, name argument was given multiple times",
        ),
        ("#!python name=l1\nreturn 1", "ERR Engine 'python' not found"),
        (
            "#!lua name=bad-name\nreturn 1",
            "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ),
        ("#!lua name=lib2\nreturn 1", "ERR No functions registered"),
        (
            "#!lua name=lib2\nredis.register_function('x', function() return 1 end)\nreturn +",
            "ERR Error compiling function: user_function:3: unexpected symbol near '+'",
        ),
        (
            "#!lua name=lib2\nredis.call('ping')",
            "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'call'",
        ),
        (
            "#!lua name=lib2\nlocal x = string",
            "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'string'",
        ),
        (
            "#!lua name=lib2\nfoo = 1",
            "ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table",
        ),
        (
            "#!lua name=l\nredis.register_function('a', 'notfn')",
            "ERR Error registering functions: ERR second argument to redis.register_function must be a function",
        ),
        (
            "#!lua name=l\nredis.register_function('a')",
            "ERR Error registering functions: ERR calling redis.register_function with a single argument is only "
            "applicable to Lua table (representing named arguments).",
        ),
        (
            "#!lua name=l\nredis.register_function{function_name='a'}",
            "ERR Error registering functions: ERR redis.register_function must get a callback argument",
        ),
        (
            "#!lua name=l\nredis.register_function{function_name='a', callback=function() end, bogus=1}",
            "ERR Error registering functions: ERR unknown argument given to redis.register_function",
        ),
        (
            "#!lua name=l\nredis.register_function{function_name='a', callback=function() end, flags='no-writes'}",
            "ERR Error registering functions: ERR flags argument to redis.register_function must be a table "
            "representing function flags",
        ),
        (
            "#!lua name=l\nredis.register_function{function_name='a', callback=function() end, flags={'bogus'}}",
            "ERR Error registering functions: ERR unknown flag given",
        ),
        (
            "#!lua name=l\nredis.register_function('a', function() end)\nredis.register_function('a', function() end)",
            "ERR Error registering functions: ERR Function already exists in the library",
        ),
        (
            "#!lua name=l\nredis.register_function('bad name', function() end)",
            "ERR Error registering functions: ERR Library names can only contain letters, numbers, or underscores(_) "
            "and must be at least one character long",
        ),
        (
            "#!lua name=l\nerror('boom')",
            "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'error'",
        ),
    ],
)
def test_function_load_errors(stash: FakeStash, code: str, text: str) -> None:
    assert error(stash, "FUNCTION", "LOAD", code) == text
    assert run(stash, "FUNCTION", "LIST") == []


def test_load_time_redis_api(stash: FakeStash) -> None:
    code = (
        "#!lua name=t\nlocal v = redis.REDIS_VERSION; redis.log(redis.LOG_NOTICE, 'loading')\n"
        "redis.register_function{function_name='a', callback=function() return 1 end, "
        "flags={'NO-WRITES', 'allow-key-locking'}, description=1}"
    )
    assert run(stash, "FUNCTION", "LOAD", code) == b"t"
    functions = run(stash, "FUNCTION", "LIST")[0][5]  # type: ignore[index]
    assert functions == [
        [b"name", b"a", b"description", b"1", b"flags", [b"no-writes", b"allow-key-locking"]]
    ]


def test_existing_library_and_function_names(loaded: FakeStash) -> None:
    assert error(loaded, "FUNCTION", "LOAD", LIB) == "ERR Library 'mylib' already exists"
    other = "#!lua name=other\nredis.register_function('get', function() return 1 end)"
    assert error(loaded, "FUNCTION", "LOAD", other) == "ERR Function get already exists"
    replacement = "#!lua name=mylib\nredis.register_function('g1', function() return 1 end)"
    assert run(loaded, "FUNCTION", "LOAD", "REPLACE", replacement) == b"mylib"
    assert run(loaded, "FCALL", "g1", 0) == 1
    assert error(loaded, "FCALL", "echo_key", 1, "a") == "ERR Function not found"
    assert (
        error(loaded, "FUNCTION", "LOAD", "BOGUS", replacement) == "ERR Unknown option given: BOGUS"
    )


def test_delete_flush_kill(loaded: FakeStash) -> None:
    assert error(loaded, "FUNCTION", "DELETE", "nosuch") == "ERR Library not found"
    assert run(loaded, "FUNCTION", "DELETE", "mylib") == Status("OK")
    assert error(loaded, "FCALL", "get", 1, "k") == "ERR Function not found"
    run(loaded, "FUNCTION", "LOAD", LIB)
    assert (
        error(loaded, "FUNCTION", "FLUSH", "bogus")
        == "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
    )
    assert run(loaded, "FUNCTION", "FLUSH", "ASYNC") == Status("OK")
    assert run(loaded, "FUNCTION", "LIST") == []
    assert error(loaded, "FUNCTION", "KILL") == "NOTBUSY No scripts in execution right now."


def test_key_locking_function_flag(stash: FakeStash) -> None:
    code = (
        "#!lua name=kl\nredis.register_function{function_name='f', flags={'allow-key-locking'}, "
        "callback=function(keys) return redis.call('get', 'other') end}"
    )
    run(stash, "FUNCTION", "LOAD", code)
    assert error(stash, "FCALL", "f", 1, "k") == (
        "ERR Dynamic keys are not allowed in Lua scripts when 'allow-key-locking' flag is set. Key was: other "
        "script: f, on @user_function:2."
    )


def test_functions_cannot_be_called_from_scripts(loaded: FakeStash) -> None:
    body = "return redis.call('fcall', 'get', 1, 'k')"
    assert error(loaded, "EVAL", body, 0).startswith(
        "ERR This Redis command is not allowed from script"
    )
