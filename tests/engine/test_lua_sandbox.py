"""The Lua sandbox: Redis 7's guarantees, not less.

No script changes what the next one sees; no Python object is reachable; no bytecode; a
time limit that no pcall, xpcall, coroutine, ``__gc`` or metamethod dodges; a memory cap
with Lua's "not enough memory"; replies and the cjson/cmsgpack libraries never answer
Python's own text. Texts are checked against a real redis-server (7.0) where it has the
function (newproxy, getfenv and setfenv follow Redis 7.2's allow list). Every test runs
under a timeout: a regression fails instead of hanging.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any, Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakestash import CommandError, FakeStash, ManualClock
from fakestash._engine.lua import runtime
from fakestash._engine.lua.convert import MAX_REPLY_DEPTH
from fakestash._engine.replies import ErrorReply, Reply
from tests.helpers import error, run

pytestmark = pytest.mark.timeout(120)

READONLY = "Attempt to modify a readonly table"
SHORT_LIMIT = 0.2
KILLED = (
    f"ERR Script killed: it ran longer than the script time limit of {SHORT_LIMIT:g} s "
    "(fakestash._engine.lua.runtime.SCRIPT_TIME_LIMIT)"
)


def sha(body: str | bytes) -> str:
    return hashlib.sha1(body.encode() if isinstance(body, str) else body).hexdigest()


def script_error(body: str, message: str, line: int = 1) -> str:
    return f"{message} script: {sha(body)}, on @user_script:{line}."


def evaluate(stash: FakeStash, body: str | bytes, *args: Any) -> Reply | str:
    """A script's reply, or its error text."""
    try:
        return stash.execute("EVAL", body, 0, *args)
    except CommandError as exc:
        return exc.text


def redis_evaluate(redis: Any, body: str | bytes, *args: Any) -> Reply | str:
    """The same on the real Redis."""
    return redis_command(redis, "EVAL", body, 0, *args)


def redis_command(redis: Any, *argv: Any) -> Reply | str:
    """A reply from the real Redis, or its error text (redis-py drops an error's ERR code;
    it is put back)."""
    module = pytest.importorskip("redis")
    try:
        reply = redis.execute_command(*argv)
    except module.ResponseError as exc:
        text = str(exc)
        return text if text.split(" ", 1)[0].isupper() else "ERR " + text
    return _plain(reply)


def _plain(reply: Any) -> Reply:
    if isinstance(reply, list):
        return [_plain(item) for item in reply]
    return reply  # type: ignore[no-any-return]


@pytest.fixture
def short_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "SCRIPT_TIME_LIMIT", SHORT_LIMIT)


# ---- nothing one script does is visible to the next ------------------------------------------

#: Scripts that try to change what later scripts see, with Redis' refusal.
PLANTS = [
    ("rawset(redis, 'call', function() return 'planted' end)", f"ERR {READONLY}"),
    ("rawset(_G, 'planted', 1)", f"ERR {READONLY}"),
    ("planted = 1", f"ERR user_script:1: {READONLY}"),
    ("rawset(string, 'upper', string.lower)", f"ERR {READONLY}"),
    ("string.upper = string.lower", f"ERR user_script:1: {READONLY}"),
    ("getmetatable('').__index = {upper = string.lower}", f"ERR user_script:1: {READONLY}"),
    ("rawset(getmetatable(''), '__index', {})", f"ERR {READONLY}"),
    ("setmetatable(getmetatable(''), {})", f"ERR {READONLY}"),
    ("setmetatable(_G, {__index = function() return 'planted' end})", f"ERR {READONLY}"),
    ("setmetatable(redis, {})", f"ERR {READONLY}"),
    ("table.insert(redis, 'planted')", f"ERR {READONLY}"),
    ("rawset(cjson, 'encode', tostring)", f"ERR {READONLY}"),
    ("math.random = function() return 4 end", f"ERR user_script:1: {READONLY}"),
    ("getmetatable(_G).__index = {}", f"ERR user_script:1: {READONLY}"),
    (
        "setfenv(math.random, {})",
        "ERR user_script:1: 'setfenv' cannot change environment of given object",
    ),
    (
        "setfenv(redis.call, {})",
        "ERR user_script:1: 'setfenv' cannot change environment of given object",
    ),
    (
        "setfenv(pcall, {})",
        "ERR user_script:1: 'setfenv' cannot change environment of given object",
    ),
    ("setfenv(2, {})", "ERR user_script:1: 'setfenv' cannot change environment of given object"),
    ("getmetatable(cjson.null).__index = {}", "ERR user_script:1: attempt to index a nil value"),
    (
        "getmetatable(redis.call).__call = tostring",
        "ERR user_script:1: attempt to index a nil value",
    ),
]

#: What a later script sees when nothing was planted.
VICTIM = (
    "return {redis.call('echo', 'ok'), ('a'):upper(), rawget(_G, 'planted') == nil and 'clean', "
    "math.random(1, 1), cjson.encode({1}), type(getmetatable(_G).__index)}"
)
CLEAN = [b"ok", b"A", b"clean", 1, b"[1]", b"nil"]


@pytest.mark.parametrize(("plant", "message"), PLANTS)
def test_a_script_cannot_change_what_the_next_one_sees(
    stash: FakeStash, plant: str, message: str
) -> None:
    assert evaluate(stash, plant) == script_error(plant, message)
    assert evaluate(stash, VICTIM) == CLEAN


@pytest.mark.parametrize(
    "plant",
    [
        "setfenv(0, {})",  # the running thread's globals: put back when the script ends
        "setfenv(1, {redis = {call = function() return 'planted' end}})",
        "collectgarbage('stop')",
        "collectgarbage('setpause', 1000)",
        "local p = newproxy(true) getmetatable(p).__gc = function() redis.call('set', 'planted', 1) end",
        "local c = coroutine.create(function() coroutine.yield() end) coroutine.resume(c)",
    ],
)
def test_what_a_script_may_change_is_undone_when_it_ends(stash: FakeStash, plant: str) -> None:
    assert evaluate(stash, plant) is None
    assert evaluate(stash, "collectgarbage() collectgarbage() return 1") == 1
    assert evaluate(stash, VICTIM) == CLEAN
    assert run(stash, "EXISTS", "planted") == 0  # a __gc never runs after its script


def test_a_cached_script_starts_each_run_in_the_normal_globals(stash: FakeStash) -> None:
    body = "local seen = type(redis) setfenv(1, {}) return seen"
    digest = stash.execute("SCRIPT", "LOAD", body)
    assert run(stash, "EVALSHA", digest, 0) == b"table"
    assert run(stash, "EVALSHA", digest, 0) == b"table"


def test_a_gc_metamethod_runs_inside_the_script_that_set_it(stash: FakeStash) -> None:
    body = (
        "local p = newproxy(true) "
        "getmetatable(p).__gc = function() redis.call('incr', 'collected') end "
        "p = nil collectgarbage() return redis.call('get', 'collected')"
    )
    assert evaluate(stash, body) == b"1"


def test_newproxy_shares_only_a_scripts_own_metatables(stash: FakeStash) -> None:
    body = (
        "local a = newproxy(true) getmetatable(a).x = 1 "
        "local b = newproxy(a) return {getmetatable(b).x, type(newproxy()), "
        "type(getmetatable(newproxy(false))), tostring(getmetatable(a) == getmetatable(b))}"
    )
    assert evaluate(stash, body) == [1, b"userdata", b"nil", b"true"]
    body = "local p = newproxy(cjson.null) return p"
    assert evaluate(stash, body) == script_error(
        body, "ERR user_script:1: bad argument #1 to 'newproxy' (boolean or proxy expected)"
    )


def test_the_library_tables_read_like_redis(stash: FakeStash) -> None:
    body = (
        "local r = {} for k in pairs(string) do r[#r + 1] = k end table.sort(r) "
        "return {table.concat(r, ' '), type(rawget(redis, 'call')), type(next(cjson)), "
        "getmetatable('').__index == string, getfenv(0) == _G, getfenv(math.random) == _G}"
    )
    assert evaluate(stash, body) == [
        b"byte char dump find format gfind gmatch gsub len lower match rep reverse sub upper",
        b"function",
        b"string",
        1,
        1,
        1,
    ]


# ---- no Python object is reachable -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("return type(getmetatable(redis.call))", b"nil"),
        ("return type(getmetatable(cjson.null))", b"nil"),
        (
            "return {pcall(function() return redis.call.__self__ end)}",
            [None, b"user_script:1: attempt to index a function value"],
        ),
        (
            "return {pcall(function() redis.call.x = 1 end)}",
            [None, b"user_script:1: attempt to index a function value"],
        ),
        (
            "return {xpcall(function() redis.call('nope') end, function(e) return type(e) end)}",
            [None, b"table"],
        ),
        (
            "return {xpcall(function() cjson.decode('x') end, function(e) return type(e) end)}",
            [None, b"string"],
        ),
        (
            "local c = coroutine.create(function() redis.call('nope') end) local _, e = coroutine.resume(c) return type(e)",
            b"table",
        ),
        (
            "local ok, e = pcall(redis.call, 'nope') return e",
            b"ERR Unknown Redis command called from script",
        ),
    ],
)
def test_errors_and_functions_from_python_are_plain_lua_values(
    stash: FakeStash, body: str, reply: Reply
) -> None:
    assert evaluate(stash, body) == reply


# ---- no bytecode ----------------------------------------------------------------------------


def test_bytecode_is_read_as_text(stash: FakeStash) -> None:
    dump = stash.execute("EVAL", "return string.dump(function() return 1 end)", 0)
    assert isinstance(dump, bytes) and dump.startswith(b"\x1bLua")
    assert evaluate(stash, dump) == (
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near 'char(27)'"
    )
    library = b"#!lua name=bytes\n" + dump
    assert error(stash, "FUNCTION", "LOAD", library) == (
        "ERR Error compiling function: user_function:2: unexpected symbol near 'char(27)'"
    )
    body = "return {loadstring(ARGV[1])}"
    assert evaluate(stash, body, dump) == []  # nil, then the message
    body = "return select(2, loadstring(ARGV[1]))"
    assert (
        evaluate(stash, body, dump) == b"[string \"\x1bLuaQ\"]:1: unexpected symbol near 'char(27)'"
    )
    body = "local n = 0 return select(2, load(function() n = n + 1 return ARGV[1] end))"
    assert evaluate(stash, body, dump) == b"(load):1: unexpected symbol near 'char(27)'"


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(edits=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), min_size=1, max_size=8))
@pytest.mark.timeout(300)
def test_mutated_bytecode_never_runs_hangs_or_allocates(
    stash: FakeStash, edits: list[tuple[int, int]]
) -> None:
    dump = bytearray(
        stash.execute("EVAL", "return string.dump(function(a) return a * 2 end)", 0)  # type: ignore[arg-type]
    )
    for at, byte in edits:
        if at < len(dump):
            dump[at] = byte
    dump[0] = 0x1B
    body = "local f, e = loadstring(ARGV[1]) return {tostring(f), e}"
    reply = evaluate(stash, body, bytes(dump))
    assert isinstance(reply, list) and reply[0] == b"nil"
    assert isinstance(reply[1], bytes) and reply[1].endswith(b"unexpected symbol near 'char(27)'")
    assert str(evaluate(stash, bytes(dump))).startswith("ERR Error compiling script")


# ---- the time limit ------------------------------------------------------------------------

#: Scripts that try to run past the time limit (each on one line: the kill names line 1).
RUNAWAYS = [
    "while true do end",
    "while true do pcall(function() while true do end end) end",
    "while true do pcall(error, 'x') end",
    "while true do xpcall(function() while true do end end, function(e) return e end) end",
    "xpcall(function() error('x') end, function() while true do end end) while true do end",
    "local f = coroutine.wrap(function() while true do end end) f()",
    "local c = coroutine.create(function() while true do end end) while true do coroutine.resume(c) end",
    "local c = coroutine.wrap(function() while true do coroutine.yield() end end) while true do c() end",
    "local p = newproxy(true) getmetatable(p).__gc = function() while true do end end p = nil collectgarbage() return 'after'",
    "local t = setmetatable({}, {__index = function() while true do end end}) return t.x",
    "return tostring(setmetatable({}, {__tostring = function() while true do end end}))",
    "table.sort({3, 2, 1}, function() while true do end end)",
    "string.gsub('abc', '.', function() while true do end end)",
    "while true do local s = string.rep('x', 2e6) end",
    "local s = string.rep('x', 2e7) while true do s:find('y', 1, true) end",
    "while true do pcall(redis.call, 'ping') end",
    "while true do pcall(cjson.encode, {1}) end",
    "local t = {} while true do t[#t % 1000 + 1] = {} end",
]


@pytest.mark.usefixtures("short_limit")
@pytest.mark.parametrize("body", RUNAWAYS)
def test_no_script_outlives_its_time_limit(stash: FakeStash, body: str) -> None:
    setup = "redis.call('set', 'before', 'kept') "
    assert evaluate(stash, setup + body) == script_error(setup + body, KILLED)
    assert run(stash, "GET", "before") == b"kept"  # like Redis, no rollback
    assert evaluate(stash, VICTIM) == CLEAN  # the runtime is usable and clean


@pytest.mark.usefixtures("short_limit")
def test_a_runaway_function_is_stopped(stash: FakeStash) -> None:
    library = (
        "#!lua name=lib\n"
        "redis.register_function('spin', function() while true do pcall(function() while true do end end) end end)"
    )
    run(stash, "FUNCTION", "LOAD", library)
    assert error(stash, "FCALL", "spin", 0) == (f"{KILLED} script: spin, on @user_function:2.")


def test_a_library_top_level_has_redis_load_timeout(
    stash: FakeStash, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime, "FUNCTION_LOAD_TIME_LIMIT", SHORT_LIMIT)
    library = "#!lua name=spin\nwhile true do end"
    assert error(stash, "FUNCTION", "LOAD", library) == (
        "ERR Error registering functions: ERR FUNCTION LOAD timeout"
    )
    assert run(stash, "FUNCTION", "LIST") == []


@pytest.mark.usefixtures("short_limit")
def test_other_clients_wait_for_a_runaway_script_not_for_ever(stash: FakeStash) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        outcome["script"] = evaluate(stash, "while true do end")

    thread = threading.Thread(target=runaway)
    thread.start()
    assert run(stash, "PING") == "PONG"  # waits on the server lock, then runs
    thread.join()
    assert outcome["script"] == script_error("while true do end", KILLED)


# ---- the memory cap ------------------------------------------------------------------------


@pytest.fixture
def small_memory(monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> FakeStash:
    """A fresh server whose Lua runtimes may hold 32 MiB (read when a runtime starts)."""
    monkeypatch.setattr(runtime, "SCRIPT_MEMORY_LIMIT", 32 * 1024 * 1024)
    return FakeStash(seed=0, clock=clock)


def test_a_script_past_the_memory_cap_fails_with_not_enough_memory(
    small_memory: FakeStash,
) -> None:
    body = "local t = {} for i = 1, 100 do t[i] = string.rep('x', 1024 * 1024) .. i end return #t"
    assert (
        evaluate(small_memory, body) == f"ERR Error running script {sha(body)}, not enough memory"
    )
    assert evaluate(small_memory, "return 1") == 1
    # its garbage is gone: the next script has the whole cap again
    body = "local t = {} for i = 1, 16 do t[i] = string.rep('x', 1024 * 1024) .. i end return #t"
    assert evaluate(small_memory, body) == 16


def test_pcall_catches_not_enough_memory(small_memory: FakeStash) -> None:
    body = "return {pcall(string.rep, 'x', 64 * 1024 * 1024)}"
    assert evaluate(small_memory, body) == [None, b"not enough memory"]


def test_a_reply_too_big_for_the_cap_is_not_enough_memory(small_memory: FakeStash) -> None:
    for chunk in range(20):  # distinct strings (Lua 5.1 hashes only some of a long string's bytes)
        values = [hashlib.sha256(b"%d" % (chunk * 10_000 + i)).digest() * 6 for i in range(10_000)]
        run(small_memory, "RPUSH", "big", *values)
    body = "return #redis.call('lrange', 'big', 0, -1)"
    assert (
        evaluate(small_memory, body) == f"ERR Error running script {sha(body)}, not enough memory"
    )
    assert evaluate(small_memory, "return redis.call('llen', 'big')") == 200_000


def test_stopping_the_collector_does_not_last(small_memory: FakeStash) -> None:
    assert evaluate(small_memory, "collectgarbage('stop') return 1") == 1
    churn = "for i = 1, 200 do local s = string.rep('x', 1024 * 1024) .. i end return 'ok'"
    assert evaluate(small_memory, churn) == b"ok"


# ---- replies and libraries never answer Python's own text ----------------------------------


def _depth(reply: Reply) -> tuple[int, Reply]:
    depth = 0
    while isinstance(reply, list):
        depth += 1
        reply = reply[0]
    return depth, reply


@pytest.mark.parametrize(
    "body",
    [
        "local t = {} t[1] = t return t",
        "local t = {} local c = t for i = 1, 1e5 do local n = {} c[1] = n c = n end return t",
    ],
)
def test_a_self_referential_or_very_deep_reply_ends_in_the_stack_limit_error(
    stash: FakeStash, body: str
) -> None:
    assert _depth(run(stash, "EVAL", body, 0)) == (
        MAX_REPLY_DEPTH,
        ErrorReply("ERR reached lua stack limit"),
    )
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as client:
        response = client.post(
            "/", json=["EVAL", body, "0"], headers={"Authorization": f"Bearer {stash.token}"}
        )
    assert response.status_code == 200
    assert _depth(response.json()["result"]) == (MAX_REPLY_DEPTH, "ERR reached lua stack limit")


def test_replies_are_read_without_running_metamethods(stash: FakeStash) -> None:
    body = (
        "local loop = {__index = function() while true do end end} "
        "return setmetatable({1, setmetatable({}, loop)}, loop)"
    )
    assert evaluate(stash, body) == [1, []]
    body = "error(setmetatable({}, {__index = function() while true do end end}))"
    assert evaluate(stash, body) == script_error(body, "ERR unknown error")


#: Library calls on hostile data, compared with Redis (and pinned here for runs without it).
LIBRARY_CASES = [
    (
        "local t = {} t[1] = t return cjson.encode(t)",
        "ERR user_script:1: Cannot serialise, excessive nesting (1001)",
    ),
    (
        "local t = {} local c = t for i = 1, 1e5 do local n = {} c[1] = n c = n end return cjson.encode(t)",
        "ERR user_script:1: Cannot serialise, excessive nesting (1001)",
    ),
    ("local t = {} t[1] = t return #cmsgpack.pack(t)", 17),
    (
        "return cjson.decode(string.rep('[', 1e5) .. string.rep(']', 1e5))",
        "ERR user_script:1: Found too many nested data structures (1001) at character 1001",
    ),
    ("return #cjson.encode(cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000)))", 2000),
    (
        "return {pcall(cjson.decode, string.rep('[', 999) .. '1 2' .. string.rep(']', 999))}",
        [None, b"Expected comma or array end but found T_NUMBER at character 1002"],
    ),
    (
        "return {pcall(cjson.decode, '  ' .. string.rep('{\"a\":', 1001))}",
        [None, b"Found too many nested data structures (1001) at character 5003"],
    ),
    ("return tostring(cjson.decode('123456789012345678901234567890'))", b"1.2345678901235e+29"),
    (
        "return {pcall(cjson.decode, '\"\\\\ud800\"')}",
        [None, b"Expected value but found invalid unicode escape code at character 2"],
    ),
    ("return cjson.encode(cjson.decode('[0x10, 1., +2, 010]'))", b"[16,1,2,10]"),
    (
        "return cmsgpack.unpack(string.rep('\\145', 1e5) .. '\\1')",
        "ERR user_script:1: stack overflow (in function mp_decode_to_lua_array)",
    ),
    (
        "local t, d = cmsgpack.unpack(string.rep('\\145', 3999) .. '\\1'), 0 "
        "while type(t) == 'table' do d, t = d + 1, t[1] end return d",
        3999,
    ),
    (
        "return {pcall(cmsgpack.unpack, string.rep('\\145', 4000) .. '\\1')}",
        [None, b"stack overflow (in function mp_decode_to_lua_array)"],
    ),
    (
        "return {pcall(cmsgpack.unpack, string.rep('\\129\\161a', 4000) .. '\\1')}",
        [
            None,
            b"stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)",
        ],
    ),
    ("return select('#', cmsgpack.unpack(string.rep('\\1', 7999)))", 7999),
    ("return {pcall(cmsgpack.unpack, '\\196\\1x')}", [None, b"Bad data format in input."]),
    ("return {pcall(cmsgpack.unpack, '\\129\\192\\1')}", [None, b"table index is nil"]),
    ("return tostring(cmsgpack.unpack('\\207\\255\\255\\255\\255\\255\\255\\255\\255'))", b"-1"),
    (
        "return {pcall(cmsgpack.unpack_limit, '\\1\\2', -1)}",
        [None, b"Invalid request to unpack with offset of 0 and limit of 2."],
    ),
    (
        "return {pcall(cmsgpack.unpack_one, '\\1\\2', 5)}",
        [None, b"Start offset 5 greater than input length 2."],
    ),
    ("return {cmsgpack.unpack_limit('\\1\\2\\3', 0, 1)}", [1]),
    (
        "return cjson.encode({[true] = 1})",
        "ERR user_script:1: Cannot serialise boolean: table key must be a number or string",
    ),
    (
        "return {pcall(struct.unpack, 'i', '\\255\\255\\255\\255', 0.5)}",
        [None, b"bad argument #3 to '?' (offset must be 1 or greater)"],
    ),
    (
        "return {pcall(struct.unpack, 'I', '', {})}",
        [None, b"bad argument #3 to '?' (number expected, got table)"],
    ),
    (
        "return {pcall(struct.size, 'x=')}",
        [None, b"bad argument #1 to '?' (invalid format option '=')"],
    ),
    (
        "return {pcall(struct.size, 'si')}",
        [None, b"bad argument #1 to '?' (option 's' has no fixed size)"],
    ),
    ("return struct.size('!4bi3d')", 16),
    ("return tostring(struct.unpack('I9', '\\1\\2\\3\\4\\5\\6\\7\\8\\9'))", b"5.7843769575231e+17"),
    ("return struct.pack('>lL', 0/0, 1e300)", b"\x80" + bytes(15)),
    ("return struct.pack('c', 0/0)", b"-"),
    (
        "return {pcall(struct.pack, 'c2d')}",
        [None, b"bad argument #2 to '?' (string expected, got nil)"],
    ),
    ("return struct.pack('i99')", "ERR user_script:1: integral size 99 is larger than limit of 32"),
    (
        "return {bit.tohex(1e300), bit.bor(1e300, 255), bit.band(2^31 + 0.5)}",
        [b"8800759c", -2013235713, -2147483648],
    ),
    (
        "return {pcall(bit.bor, 0.5, {}, {})}",
        [None, b"bad argument #3 to '?' (number expected, got table)"],
    ),
    (
        "return {pcall(bit.tohex, 1, nil)}",
        [None, b"bad argument #2 to '?' (number expected, got nil)"],
    ),
    ("local t = {} t[1] = 0/0 return redis.call('echo', t[1])", b"-nan"),
]


def _expected(body: str, reply: Reply | str) -> Reply | str:
    return script_error(body, reply) if isinstance(reply, str) else reply


@pytest.mark.parametrize(("body", "reply"), LIBRARY_CASES)
def test_libraries_on_hostile_data(stash: FakeStash, body: str, reply: Reply | str) -> None:
    assert evaluate(stash, body) == _expected(body, reply)


@pytest.mark.real_redis
@pytest.mark.parametrize(("body", "reply"), LIBRARY_CASES)
def test_libraries_on_hostile_data_answer_as_redis(
    real_redis: Any, body: str, reply: Reply | str
) -> None:
    assert redis_evaluate(real_redis, body) == _expected(body, reply)


# The library parsers, fed token soups: every answer (a value or an error text) is Redis'.

_JSON_ATOMS = [
    "[", "]", "{", "}", ":", ",", '"a"', '"b\\n"', '"\\u00e9"', '"\\ud83d\\ude00"', '"\\ud800"',
    '"\\x"', '"', "1", "-1.5e3", "0x1F", "1.", "-", "inf", "NaN", "true", "false", "null",
    "nul", " ", "\n", "01", "+1", ".5", "\\", "x", "\u00e9", "\x00",
]  # fmt: skip
_MSGPACK_ATOMS = [
    b"\x91", b"\x92", b"\x81", b"\x90", b"\x80", b"\xa1a", b"\x01", b"\xff", b"\xc0", b"\xc3",
    b"\xcc\x05", b"\xcd\x01", b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff", b"\xca\x3f\xc0\x00\x00",
    b"\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00", b"\xdc\x00\x01", b"\xde\x00\x01", b"\xd9\x02ab",
    b"\xc4\x01x", b"\xc1",
]  # fmt: skip
_STRUCT_OPTIONS = [*"bBhHlLTiIfdsxc<>=!z ", "i3", "I9", "c2", "c0", "!4", "i33"]
_LUA_VALUES = ["0", "1", "-1", "65536", "1e300", "0/0", "1/0", "'ab'", "'12'", "nil", "{}", "2^53"]
_BIT_OPS = ["tobit", "bnot", "band", "bor", "bxor", "lshift", "rshift", "arshift", "rol", "ror",
            "bswap", "tohex"]  # fmt: skip
_DIFFERENTIAL = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

CJSON_DECODE = (
    "local ok, v = pcall(cjson.decode, ARGV[1]) "
    "if not ok then return 'E:' .. v end return 'V:' .. cjson.encode({v})"
)
CMSGPACK_UNPACK = (
    "local r = {pcall(cmsgpack.unpack_limit, ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]))} "
    "if not r[1] then return 'E:' .. r[2] end return 'V:' .. cjson.encode({select(2, unpack(r))})"
)
STRINGS = "for i = 1, #r do r[i] = tostring(r[i]) end return r"


@pytest.mark.real_redis
@_DIFFERENTIAL
@given(atoms=st.lists(st.sampled_from(_JSON_ATOMS), min_size=1, max_size=8))
def test_cjson_decode_answers_as_redis(stash: FakeStash, real_redis: Any, atoms: list[str]) -> None:
    text = "".join(atoms).encode()
    fake = evaluate(stash, CJSON_DECODE, text)
    if fake == b"V:[-0]":  # a bare -0 decoded, then passed to cjson.encode: the known limit
        return
    assert fake == redis_evaluate(real_redis, CJSON_DECODE, text)


@pytest.mark.real_redis
@_DIFFERENTIAL
@given(
    atoms=st.lists(st.sampled_from(_MSGPACK_ATOMS), min_size=1, max_size=6),
    limit=st.integers(-1, 3),
    offset=st.integers(-1, 4),
)
def test_cmsgpack_unpack_answers_as_redis(
    stash: FakeStash, real_redis: Any, atoms: list[bytes], limit: int, offset: int
) -> None:
    args = (b"".join(atoms), limit, offset)
    assert evaluate(stash, CMSGPACK_UNPACK, *args) == redis_evaluate(
        real_redis, CMSGPACK_UNPACK, *args
    )


@pytest.mark.real_redis
@_DIFFERENTIAL
@given(
    options=st.lists(st.sampled_from(_STRUCT_OPTIONS), min_size=1, max_size=4),
    values=st.lists(st.sampled_from(_LUA_VALUES), max_size=3),
    call=st.sampled_from(["pack", "unpack", "size", *_BIT_OPS]),
)
def test_struct_and_bit_answer_as_redis(
    stash: FakeStash, real_redis: Any, options: list[str], values: list[str], call: str
) -> None:
    fmt, args = "".join(options), "".join(", " + value for value in values)
    if call == "pack":
        body = f"local r = {{pcall(struct.pack, '{fmt}'{args})}} {STRINGS}"
    elif call == "unpack":
        data = "'\\1\\2\\3\\4\\5\\6\\7\\8\\9\\10\\0x'"
        offset = f", {values[0]}" if values else ""
        body = f"local r = {{pcall(struct.unpack, '{fmt}', {data}{offset})}} {STRINGS}"
    elif call == "size":
        body = f"local r = {{pcall(struct.size, '{fmt}')}} {STRINGS}"
    else:
        body = f"local r = {{pcall(bit.{call}{args})}} {STRINGS}"
    assert evaluate(stash, body) == redis_evaluate(real_redis, body)


# ---- -0 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reply"),
    [
        ("return cjson.encode({-0})", b"[-0]"),
        ("return cjson.encode({a = -0, b = {1, 2}})", b'{"a":-0,"b":[1,2]}'),
        ("return tostring(cjson.decode('-0'))", b"-0"),
        ("return cjson.encode(cjson.decode('[-0, -0.0]'))", b"[-0,-0]"),
        ("return cmsgpack.pack({-0})", b"\x91\x00"),  # lua-cmsgpack packs -0 as the integer 0
        ("return {double = -0}", b"-0"),
    ],
)
def test_negative_zero_round_trips_inside_tables(stash: FakeStash, body: str, reply: Reply) -> None:
    assert evaluate(stash, body) == reply


def test_negative_zero_as_a_direct_argument_reaches_python_as_zero(stash: FakeStash) -> None:
    """The documented limit: lupa converts a Lua -0 argument to the integer 0 before any
    Python function sees it (Redis answers "-0" to both)."""
    assert evaluate(stash, "return cjson.encode(-0)") == b"0"
    assert evaluate(stash, "redis.call('set', 'z', -0) return redis.call('get', 'z')") == b"0"


@pytest.mark.real_redis
@pytest.mark.parametrize(
    "body",
    [
        "return cjson.encode({-0})",
        "return cjson.encode({a = -0, b = {-0, 0}})",  # one constant: both are -0
        "return tostring(cjson.decode('-0'))",
        "return cjson.encode(cjson.decode('[-0, -0.0]'))",
        "return cmsgpack.pack({-0})",
    ],
)
def test_negative_zero_answers_as_redis(stash: FakeStash, real_redis: Any, body: str) -> None:
    assert evaluate(stash, body) == redis_evaluate(real_redis, body)


# ---- texts compared with Redis -------------------------------------------------------------

DIFFERENTIAL = [body for body, _ in PLANTS if "pcall" not in body and "setfenv" not in body] + [
    "return {pcall(rawset, redis, 'x', 1)}",
    "return {pcall(rawset, {}, 'x', 1)}",
    "return {pcall(setmetatable, string, {})}",
    "return {pcall(table.insert, string, 'x')}",
    "return {pcall(table.insert, KEYS, 'x')}",
    "return {pcall(next, string, 'nope')}",
    "return {pcall(next)}",
    "return {pcall(rawget, 1, 2)}",
    "return {pcall(table.insert, {}, 'x', 2)}",
    "return {pcall(table.insert, {})}",
    "return {pcall(loadstring, {})}",
    "return {pcall(load, 5)}",
    "return {pcall(coroutine.create, 5)}",
    "return {pcall(coroutine.create, tostring)}",
    "return {pcall(collectgarbage, 'bogus')}",
    "return {pcall(pairs, nil)}",
    "return {pcall(xpcall)}",
    "return {pcall(pcall)}",
    "return rawget(_G, 'x')",
    "return next(redis) ~= nil",
    "return getmetatable(redis)",
    "return type(getmetatable(_G))",
    "return tostring(getmetatable('').__index == string)",
    "return {pcall(function() return redis.call('nope') end)}",
    "return {xpcall(function() redis.call('nope') end, function(e) return e.err end)}",
    "local c = coroutine.create(function() redis.call('nope') end) local _, e = coroutine.resume(c) return type(e)",
    "local ok, e = pcall(error, {err = 'x'}) return type(e)",
    "return {load(function() error('boom') end)}",
    "return {load(function() return {} end)}",
    "local n = 0 return (load(function() n = n + 1 if n == 1 then return 'return 7' end end))()",
    "return select(2, loadstring(string.dump(function() end)))",
    "return select(2, load(function() return string.dump(function() end) end))",
    "return cjson.encode({1, {a = 2}})",
    "return cjson.decode('[1,2]')",
]


@pytest.mark.real_redis
@pytest.mark.parametrize("body", DIFFERENTIAL)
def test_sandbox_texts_are_redis_texts(stash: FakeStash, real_redis: Any, body: str) -> None:
    assert evaluate(stash, body) == redis_evaluate(real_redis, body)


@pytest.mark.real_redis
def test_bytecode_scripts_fail_as_in_redis(stash: FakeStash, real_redis: Any) -> None:
    dump = stash.execute("EVAL", "return string.dump(function() return 1 end)", 0)
    assert isinstance(dump, bytes)
    assert evaluate(stash, dump) == redis_evaluate(real_redis, dump)


@pytest.mark.real_redis
def test_a_library_top_level_times_out_as_in_redis(stash: FakeStash, real_redis: Any) -> None:
    library = "#!lua name=spin\nwhile true do end"
    assert error(stash, "FUNCTION", "LOAD", library) == redis_command(
        real_redis, "FUNCTION", "LOAD", library
    )


# ---- read-only callers -----------------------------------------------------------------------


@pytest.fixture
def post(stash: FakeStash) -> Iterator[Any]:
    """POST a command with the standard or the read-only token; (status, body)."""
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as client:

        def send(token: str, *argv: Any) -> tuple[int, Any]:
            response = client.post(
                "/", json=[str(a) for a in argv], headers={"Authorization": f"Bearer {token}"}
            )
            return response.status_code, response.json()

        yield send


DENIED = "ERR The user executing the script can't run this command or subcommand"


@pytest.mark.parametrize("command", ["publish", "spublish"])
def test_a_read_only_token_cannot_publish_from_a_script(
    stash: FakeStash, post: Any, command: str
) -> None:
    body = f"return redis.call('{command}', 'c', 'm')"
    assert post(stash.readonly_token, "EVAL_RO", body, 0) == (
        400,
        {"error": script_error(body, DENIED)},
    )
    body = f"return redis.pcall('{command}', 'c', 'm')"
    assert post(stash.readonly_token, "EVAL_RO", body, 0) == (400, {"error": DENIED})
    assert post(stash.token, "EVAL", body, 0) == (200, {"result": 0})


def test_a_read_only_tokens_function_cannot_publish(stash: FakeStash, post: Any) -> None:
    library = (
        "#!lua name=pub\n"
        "redis.register_function{function_name='pub', callback=function() "
        "return redis.call('publish', 'c', 'm') end, flags={'no-writes'}}"
    )
    assert post(stash.token, "FUNCTION", "LOAD", library) == (200, {"result": "pub"})
    assert post(stash.readonly_token, "FCALL_RO", "pub", 0) == (
        400,
        {"error": f"{DENIED} script: pub, on @user_function:2."},
    )
    assert post(stash.token, "FCALL_RO", "pub", 0) == (200, {"result": 0})


def test_acl_check_cmd_answers_for_the_read_only_token(stash: FakeStash, post: Any) -> None:
    check = "return redis.acl_check_cmd(unpack(ARGV))"
    assert post(stash.readonly_token, "EVAL_RO", check, 0, "set", "k", "v") == (
        200,
        {"result": None},
    )
    assert post(stash.readonly_token, "EVAL_RO", check, 0, "publish", "c", "m") == (
        200,
        {"result": None},
    )
    assert post(stash.readonly_token, "EVAL_RO", check, 0, "get", "k") == (200, {"result": 1})
    assert post(stash.token, "EVAL_RO", check, 0, "set", "k", "v") == (200, {"result": 1})


@pytest.mark.parametrize(("plant", "message"), PLANTS[:6])
def test_a_read_only_token_cannot_plant_code_for_a_writer(
    stash: FakeStash, post: Any, plant: str, message: str
) -> None:
    assert post(stash.readonly_token, "EVAL_RO", plant, 0) == (
        400,
        {"error": script_error(plant, message)},
    )
    assert post(stash.token, "EVAL", VICTIM, 0) == (
        200,
        {"result": ["ok", "A", "clean", 1, "[1]", "nil"]},
    )


def test_register_function_works_only_while_the_library_loads(stash: FakeStash) -> None:
    library = (
        "#!lua name=late\nlocal r = redis\n"
        "r.register_function('late', function() r.register_function('x', tostring) end)"
    )
    run(stash, "FUNCTION", "LOAD", library)
    assert error(stash, "FCALL", "late", 0) == (
        "ERR redis.register_function can only be called on FUNCTION LOAD command "
        "script: late, on @user_function:3."
    )
