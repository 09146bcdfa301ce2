"""JSON.* (RedisJSON 2.x semantics): both path dialects, reply shapes and error texts.

Expected values come from RedisJSON's own tests (tests/pytest/test.py: testClear,
testArrayCRUD, testArrIndexCommand, testArrInsertCommand, testArrTrimCommand,
testArrPopCommand, testGetFormatting, testSetBehaviorModifyingSubcommands,
testSetWithBracketNotation) and from its sources where the tests only check "raises".
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakestash import FakeStash
from fakestash._engine.replies import Status
from fakestash._engine.values.json import format_float
from tests.helpers import error, run

NO_KEY = "ERR could not perform this operation on a key that doesn't exist"
WRONG_REDIS_TYPE = "Existing key has wrong Redis type"

DOC = '{"n":42,"s":"42","arr":[{"n":44},"s",{"n":{"a":1,"b":2}},{"n2":{"x":3.02,"n":["to","be","cleared",4],"y":4.91}}]}'


def setdoc(stash: FakeStash, value: str, key: str = "k") -> None:
    assert run(stash, "JSON.SET", key, "$", value) == Status("OK")


# ---- JSON.SET / JSON.GET -----------------------------------------------------------------


def test_set_and_get_both_dialects(stash: FakeStash) -> None:
    setdoc(stash, '{"a":1,"b":{"a":2,"c":[1,2,3]}}')
    assert run(stash, "JSON.GET", "k") == b'{"a":1,"b":{"a":2,"c":[1,2,3]}}'
    assert run(stash, "JSON.GET", "k", "$") == b'[{"a":1,"b":{"a":2,"c":[1,2,3]}}]'
    assert run(stash, "JSON.GET", "k", "$.a") == b"[1]"
    assert run(stash, "JSON.GET", "k", ".a") == b"1"
    assert run(stash, "JSON.GET", "k", "a") == b"1"
    assert run(stash, "JSON.GET", "k", "b.c[1]") == b"2"
    assert run(stash, "JSON.GET", "k", "$..a") == b"[2,1]"  # Upstash: deeper matches first
    assert run(stash, "JSON.GET", "k", "..a") == b"2"  # legacy: the first match
    assert run(stash, "JSON.GET", "k", "$.nope") == b"[]"
    assert error(stash, "JSON.GET", "k", ".nope") == "ERR Path '$.nope' does not exist"
    assert run(stash, "JSON.GET", "missing") is None
    assert run(stash, "JSON.GET", "missing", "$") is None


def test_get_bracket_notation_both_dialects(stash: FakeStash) -> None:
    setdoc(stash, "[1,2,3]")
    assert run(stash, "JSON.GET", "k", ".[1]") == b"2"
    assert run(stash, "JSON.GET", "k", "[1]") == b"2"
    assert run(stash, "JSON.GET", "k", "$.[1]") == b"[2]"
    assert run(stash, "JSON.GET", "k", "$[1]") == b"[2]"
    assert run(stash, "JSON.GET", "k", "$[-1]") == b"[3]"
    assert run(stash, "JSON.GET", "k", "$[5]") == b"[]"


def test_get_many_paths_is_an_object_keyed_by_path(stash: FakeStash) -> None:
    setdoc(stash, '{"a":1,"b":[1,2]}')
    assert run(stash, "JSON.GET", "k", "$.a", "$.b") == b'{"$.a":[1],"$.b":[[1,2]]}'
    assert run(stash, "JSON.GET", "k", "$.a", ".b") == b'{"$.a":[1],".b":[[1,2]]}'
    assert run(stash, "JSON.GET", "k", ".a", "b") == b'{".a":1,"b":[1,2]}'
    assert run(stash, "JSON.GET", "k", "$.a", "$.x") == b'{"$.a":[1],"$.x":[]}'
    assert error(stash, "JSON.GET", "k", ".a", ".x") == "ERR Path '.x' does not exist"


def test_get_formatting_options_as_redisjson_test_get_formatting(stash: FakeStash) -> None:
    setdoc(stash, '{"obj":{"f":"v"}}', "obj")
    setdoc(stash, '{"arr":[0,1]}', "arr")
    for space in ["", " ", "\t"]:
        for indent in ["", " ", "  "]:
            for newline in ["", "\n", "\r\n"]:
                f = dict(newline=newline, space=space, indent=indent)
                got = run(
                    stash, "JSON.GET", "obj", "INDENT", indent, "NEWLINE", newline, "SPACE", space
                )
                want = '{{{newline}{indent}"obj":{space}{{{newline}{indent}{indent}"f":{space}"v"{newline}{indent}}}{newline}}}'
                assert got == want.format(**f).encode()
                got = run(
                    stash, "JSON.GET", "arr", "indent", indent, "newline", newline, "space", space
                )
                want = '{{{newline}{indent}"arr":{space}[{newline}{indent}{indent}0,{newline}{indent}{indent}1{newline}{indent}]{newline}}}'
                assert got == want.format(**f).encode()


def test_get_formatting_keeps_empty_containers_compact(stash: FakeStash) -> None:
    setdoc(stash, '{"a":[],"b":{}}')
    assert run(stash, "JSON.GET", "k", "INDENT", "\t", "NEWLINE", "\n") == (
        b'{\n\t"a":[],\n\t"b":{}\n}'
    )
    assert run(stash, "JSON.GET", "k", "SPACE", " ", "$") == b'[{"a": [],"b": {}}]'
    assert error(stash, "JSON.GET", "k", "INDENT") == (
        "ERR wrong number of arguments for 'json.get' command"
    )
    assert error(stash, "JSON.GET", "k", "FORMAT", "EXPAND") == (
        "ERR FORMAT argument is not supported on RESP2"
    )


def test_set_number_formatting_follows_serde_json(stash: FakeStash) -> None:
    setdoc(
        stash,
        "[1.0, 1, -0, 1e16, 1e15, 0.00001, 0.000001, 1.5e-7, 2.50, 1E2, 18446744073709551615, 18446744073709551616]",
    )
    assert run(stash, "JSON.GET", "k") == (
        b"[1.0,1,0,1e16,1000000000000000.0,0.00001,1e-6,1.5e-7,2.5,100.0,"
        b"18446744073709551615,1.8446744073709552e19]"
    )


def test_strings_keep_unicode_and_escape_controls(stash: FakeStash) -> None:
    setdoc(stash, '"h\\u00e9 \\"q\\" \\n \\u0001 \\/"')
    assert run(stash, "JSON.GET", "k") == '"hé \\"q\\" \\n \\u0001 /"'.encode()


def test_set_invalid_json_and_paths_fail_and_create_nothing(stash: FakeStash) -> None:
    for bad in ["{", "}", "[", "{]", "", " ", "'", "nan", "NaN", "Infinity", "1 2"]:
        assert error(stash, "JSON.SET", "t", ".", bad)
        assert run(stash, "EXISTS", "t") == 0
    assert error(stash, "JSON.SET", "t", ".", "") == "EOF while parsing a value at line 1 column 0"
    assert error(stash, "JSON.SET", "t", ".", "1 2") == "trailing characters at line 1 column 3"
    assert error(stash, "JSON.SET", "t", "$.", "1")
    assert error(stash, "JSON.SET", "t", "", "1")
    assert error(stash, "JSON.SET", "t", ".", b"\x80") == "Couldn't parse as UTF-8 string"


def test_set_nx_xx_as_redisjson_test_set_behavior(stash: FakeStash) -> None:
    assert run(stash, "JSON.SET", "k", ".", "{}", "XX") is None
    assert run(stash, "JSON.SET", "k", ".", "{}", "NX") == Status("OK")
    assert run(stash, "JSON.SET", "k", ".", "{}", "NX") is None
    assert run(stash, "JSON.SET", "k", ".", "{}", "XX") == Status("OK")
    assert run(stash, "JSON.SET", "k", ".foo", "[]", "XX") is None
    assert run(stash, "JSON.SET", "k", ".foo", "[]", "NX") == Status("OK")
    assert run(stash, "JSON.SET", "k", ".foo", "[]", "NX") is None
    assert run(stash, "JSON.SET", "k", ".foo", "[1]", "xx") == Status("OK")
    assert run(stash, "JSON.GET", "k") == b'{"foo":[1]}'
    assert error(stash, "JSON.SET", "k", ".foo[1]", "null", "NX") == "ERR array index out of range"
    for extra in (["NN"], [""], ["XX", "XN"], ["XX", "NX"], ["NX", "NX"]):
        assert error(stash, "JSON.SET", "k", ".foo", "[]", *extra) == "ERR syntax error"
    assert error(stash, "JSON.SET", "k", ".foo", "[]", "FORMAT", "TT") == "ERR wrong format"


def test_set_creates_keys_only_at_the_root(stash: FakeStash) -> None:
    assert (
        error(stash, "JSON.SET", "k", "$.a", "1") == "ERR new objects must be created at the root"
    )
    assert error(stash, "JSON.SET", "k", ".a", "1") == "ERR new objects must be created at the root"
    assert run(stash, "JSON.SET", "k", ".a", "1", "XX") is None
    setdoc(stash, "{}")
    assert run(stash, "JSON.SET", "k", "$.a", "1") == Status("OK")
    # Upstash: a missing parent is an error (RedisJSON: nil); with XX there is nothing to do
    assert error(stash, "JSON.SET", "k", "$.b.c", "1") == "ERR missing key at non-terminal path level"
    assert error(stash, "JSON.SET", "k", ".b.c", "1", "NX") == (
        "ERR missing key at non-terminal path level"
    )
    assert run(stash, "JSON.SET", "k", "$.b.c", "1", "XX") is None
    assert run(stash, "JSON.SET", "k", "$.a.c", "1") is None  # the parent is not an object
    assert error(stash, "JSON.SET", "k", "$..c", "1") == "Err wrong static path"
    assert error(stash, "JSON.SET", "k", "$[0]", "1") == "ERR array index out of range"
    assert run(stash, "JSON.GET", "k") == b'{"a":1}'


def test_set_with_bracket_notation_as_redisjson(stash: FakeStash) -> None:
    setdoc(stash, "{}", "x")
    assert run(stash, "JSON.SET", "x", '.["f1"]', "{}") == Status("OK")
    assert run(stash, "JSON.SET", "x", '.["f1"].f2', "[0,0,0]") == Status("OK")
    assert run(stash, "JSON.SET", "x", '.["f1"].f2[1]', "{}") == Status("OK")
    assert run(stash, "JSON.SET", "x", '.["f1"].f2[1]["f.]$.f"]', "{}") == Status("OK")
    assert run(stash, "JSON.SET", "x", '.["f1"]["f2"][1]["f.]$.f"]', "1") == Status("OK")
    assert error(stash, "JSON.SET", "x", '.["f3"].f2', "1") == (
        "ERR missing key at non-terminal path level"
    )
    assert json.loads(run(stash, "JSON.GET", "x")) == {"f1": {"f2": [0, {"f.]$.f": 1}, 0]}}


def test_set_with_wildcards_updates_every_match(stash: FakeStash) -> None:
    setdoc(stash, '{"a":{"x":1},"b":{"x":2},"c":[{"x":3}]}')
    assert run(stash, "JSON.SET", "k", "$..x", '"y"') == Status("OK")
    assert run(stash, "JSON.GET", "k") == b'{"a":{"x":"y"},"b":{"x":"y"},"c":[{"x":"y"}]}'
    assert run(stash, "JSON.SET", "k", "$.c[0].x", "0") == Status("OK")
    assert run(stash, "JSON.GET", "k", "$..x") == b'["y","y",0]'


def test_set_replaces_the_root_and_keeps_the_ttl(stash: FakeStash) -> None:
    setdoc(stash, '{"a":1}')
    run(stash, "EXPIRE", "k", 100)
    setdoc(stash, "[true]")
    assert run(stash, "JSON.GET", "k") == b"[true]"
    assert run(stash, "TTL", "k") == 100
    assert run(stash, "TYPE", "k") == Status("ReJSON-RL")


def test_json_commands_on_other_types_and_other_commands_on_json(stash: FakeStash) -> None:
    run(stash, "SET", "str", "v")
    for args in (
        ["JSON.GET", "str"],
        ["JSON.SET", "str", "$", "1"],
        ["JSON.DEL", "str"],
        ["JSON.TYPE", "str"],
        ["JSON.ARRLEN", "str", "$"],
    ):
        assert error(stash, *args) == WRONG_REDIS_TYPE
    setdoc(stash, "1")
    assert (
        error(stash, "GET", "k")
        == "WRONGTYPE Operation against a key holding the wrong kind of value"
    )


# ---- JSON.DEL / JSON.FORGET --------------------------------------------------------------


def test_del_paths_and_root(stash: FakeStash) -> None:
    setdoc(stash, '{"a":1,"b":{"a":2},"c":[1,2,3,4]}')
    assert run(stash, "JSON.DEL", "k", "$..a") == 2
    assert run(stash, "JSON.DEL", "k", "$.c[1,3]") == 2
    assert run(stash, "JSON.GET", "k") == b'{"b":{},"c":[1,3]}'
    assert run(stash, "JSON.FORGET", "k", ".c[-1]") == 1
    assert run(stash, "JSON.DEL", "k", ".nope") == 0
    assert run(stash, "JSON.DEL", "k", "$.c[*]") == 1
    assert run(stash, "JSON.GET", "k") == b'{"b":{},"c":[]}'
    assert run(stash, "JSON.DEL", "k") == 1
    assert run(stash, "EXISTS", "k") == 0
    assert run(stash, "JSON.DEL", "k") == 0


def test_del_nested_matches_counts_the_outermost_only(stash: FakeStash) -> None:
    setdoc(stash, '{"a":{"a":{"a":1}},"b":[1,2,3]}')
    assert run(stash, "JSON.DEL", "k", "$..a") == 1
    assert run(stash, "JSON.DEL", "k", "$.b[0:3]") == 3
    assert run(stash, "JSON.GET", "k") == b'{"b":[]}'
    assert run(stash, "JSON.DEL", "k", "$") == 1


# ---- JSON.MGET / JSON.MSET / JSON.MERGE --------------------------------------------------


def test_mget_both_dialects(stash: FakeStash) -> None:
    setdoc(stash, '{"a":1}', "k1")
    setdoc(stash, '{"a":[2]}', "k2")
    setdoc(stash, '{"b":3}', "k3")
    run(stash, "SET", "str", "x")
    assert run(stash, "JSON.MGET", "k1", "k2", "k3", "nope", "str", "$.a") == [
        b"[1]",
        b"[[2]]",
        b"[]",
        None,
        None,
    ]
    assert run(stash, "JSON.MGET", "k1", "k2", "k3", "nope", ".a") == [b"1", b"[2]", None, None]


def test_mset_is_atomic_across_keys(stash: FakeStash) -> None:
    setdoc(stash, '{"a":1}', "k1")
    assert run(stash, "JSON.MSET", "k1", "$.b", "2", "k2", "$", '{"c":3}') == Status("OK")
    assert run(stash, "JSON.MGET", "k1", "k2", "$") == [b'[{"a":1,"b":2}]', b'[{"c":3}]']
    assert error(stash, "JSON.MSET", "k1", "$.a", "5", "k3", "$.a", "1") == (
        "ERR new objects must be created at the root"
    )
    assert error(stash, "JSON.MSET", "k1", "$.a", "5", "k2", "$", "{")
    assert error(stash, "JSON.MSET", "k1", "$.a", "5", "k2", "$..z", "1") == "Err wrong static path"
    assert run(stash, "JSON.GET", "k1", "$.a") == b"[1]"  # nothing applied
    assert error(stash, "JSON.MSET", "k1", "$.a") == (
        "ERR wrong number of arguments for 'json.mset' command"
    )
    assert error(stash, "JSON.MSET", "k1", "$.a", "1", "k2") == (
        "ERR wrong number of arguments for 'json.mset' command"
    )


def test_merge_follows_rfc_7386(stash: FakeStash) -> None:
    setdoc(stash, '{"a":"b","c":{"d":"e","f":"g"},"l":[1]}')
    assert run(
        stash, "JSON.MERGE", "k", "$", '{"a":"z","c":{"f":null},"l":[2],"n":{"x":null}}'
    ) == Status("OK")
    assert run(stash, "JSON.GET", "k") == b'{"a":"z","c":{"d":"e"},"l":[2],"n":{}}'
    assert run(stash, "JSON.MERGE", "k", "$.c", '{"h":1}') == Status("OK")
    assert run(stash, "JSON.MERGE", "k", "$.new", "5") == Status("OK")
    assert run(stash, "JSON.MERGE", "k", "$.x.y", "5") is None
    assert run(stash, "JSON.MERGE", "k", "$.a", "null") == Status("OK")
    assert run(stash, "JSON.GET", "k") == b'{"a":null,"c":{"d":"e","h":1},"l":[2],"n":{},"new":5}'
    assert (
        error(stash, "JSON.MERGE", "nope", "$.a", "1")
        == "ERR new objects must be created at the root"
    )
    assert run(stash, "JSON.MERGE", "nope", "$", '{"a":null}') == Status("OK")
    assert run(stash, "JSON.GET", "nope") == b'{"a":null}'


# ---- JSON.TYPE / RESP / STRLEN / STRAPPEND / OBJKEYS / OBJLEN ---------------------------


def test_type_both_dialects(stash: FakeStash) -> None:
    setdoc(stash, '{"n":null,"b":false,"i":42,"f":1.2,"s":"x","o":{},"a":[]}')
    assert run(stash, "JSON.TYPE", "k") == b"object"
    assert run(stash, "JSON.TYPE", "k", "$.*") == [
        b"null",
        b"boolean",
        b"integer",
        b"number",
        b"string",
        b"object",
        b"array",
    ]
    assert run(stash, "JSON.TYPE", "k", ".f") == b"number"
    assert run(stash, "JSON.TYPE", "k", ".nope") is None
    assert run(stash, "JSON.TYPE", "k", "$.nope") == []
    assert run(stash, "JSON.TYPE", "missing") is None
    assert run(stash, "JSON.TYPE", "missing", "$") is None


def test_resp_shapes(stash: FakeStash) -> None:
    setdoc(stash, '{"a":[1,2.5,"s",true,null],"o":{"x":false}}')
    assert run(stash, "JSON.RESP", "k") == [
        Status("{"),
        b"a",
        [Status("["), 1, b"2.5", b"s", Status("true"), None],
        b"o",
        [Status("{"), b"x", Status("false")],
    ]
    assert run(stash, "JSON.RESP", "k", "$.a[0,1]") == [1, b"2.5"]
    assert run(stash, "JSON.RESP", "k", ".a[2]") == b"s"
    assert error(stash, "JSON.RESP", "k", ".z") == "ERR Path '$.z' does not exist"
    assert run(stash, "JSON.RESP", "missing") is None


def test_strlen_and_strappend(stash: FakeStash) -> None:
    setdoc(stash, '{"a":"foo","b":{"a":"hé"},"n":1}')
    assert run(stash, "JSON.STRLEN", "k", "$..a") == [3, 3]  # UTF-8 bytes
    assert run(stash, "JSON.STRLEN", "k", ".a") == 3
    assert run(stash, "JSON.STRLEN", "k", "$.n") == [None]
    assert error(stash, "JSON.STRLEN", "k", ".n") == (
        "WRONGTYPE wrong type of path value - expected string but found integer"
    )
    assert error(stash, "JSON.STRLEN", "k", ".x") == "ERR Path '$.x' does not exist"
    assert run(stash, "JSON.STRLEN", "missing", ".a") is None
    assert error(stash, "JSON.STRLEN", "missing", "$.a") == NO_KEY
    assert run(stash, "JSON.STRAPPEND", "k", "$..a", '"bar"') == [6, 6]
    assert run(stash, "JSON.STRAPPEND", "k", ".a", '"!"') == 7
    assert run(stash, "JSON.STRAPPEND", "k", "$.n", '"!"') == [None]
    assert error(stash, "JSON.STRAPPEND", "k", ".n", '"!"') == (
        "ERR Path '$.n' does not exist or not a string"
    )
    assert error(stash, "JSON.STRAPPEND", "k", ".a", "1") == (
        "WRONGTYPE wrong type of path value - expected string but found 1"
    )
    assert run(stash, "JSON.GET", "k", "$..a") == '["hébar","foobar!"]'.encode()
    setdoc(stash, '"x"', "s")
    assert run(stash, "JSON.STRAPPEND", "s", '"yz"') == 3
    assert error(stash, "JSON.STRAPPEND", "missing", '"yz"') == NO_KEY


def test_objkeys_and_objlen(stash: FakeStash) -> None:
    setdoc(stash, '{"a":{"x":1,"y":2},"b":[1],"c":{}}')
    assert run(stash, "JSON.OBJKEYS", "k") == [b"a", b"b", b"c"]
    assert run(stash, "JSON.OBJKEYS", "k", "$.*") == [[b"x", b"y"], None, []]
    assert run(stash, "JSON.OBJKEYS", "k", ".nope") is None
    assert (
        error(stash, "JSON.OBJKEYS", "k", ".b") == "ERR Path '$.b' does not exist or not an object"
    )
    assert run(stash, "JSON.OBJKEYS", "missing") is None
    assert error(stash, "JSON.OBJKEYS", "missing", "$") == NO_KEY
    assert run(stash, "JSON.OBJLEN", "k") == 3
    assert run(stash, "JSON.OBJLEN", "k", "$.*") == [2, None, 0]
    assert run(stash, "JSON.OBJLEN", "k", ".nope") is None
    assert error(stash, "JSON.OBJLEN", "k", ".b") == (
        "WRONGTYPE wrong type of path value - expected object but found array"
    )
    assert run(stash, "JSON.OBJLEN", "missing") is None
    assert error(stash, "JSON.OBJLEN", "missing", "$.a") == (
        "ERR Path '$.a' does not exist or not an object"
    )


# ---- arrays ------------------------------------------------------------------------------


def test_array_crud_as_redisjson_test_array_crud(stash: FakeStash) -> None:
    setdoc(stash, "[]")
    assert run(stash, "JSON.TYPE", "k", ".") == b"array"
    assert run(stash, "JSON.ARRLEN", "k", ".") == 0
    assert error(stash, "JSON.SET", "k", "[0]", "0") == "ERR array index out of range"
    assert error(stash, "JSON.SET", "k", "[-1]", "0") == "ERR array index out of range"
    assert run(stash, "JSON.ARRAPPEND", "k", ".", "1") == 1
    assert run(stash, "JSON.ARRINSERT", "k", ".", "0", "-1") == 2
    assert run(stash, "JSON.ARRINSERT", "k", ".", "-1", "0") == 3
    assert run(stash, "JSON.ARRINSERT", "k", ".", "-3", "-3", "-2") == 5
    assert run(stash, "JSON.ARRAPPEND", "k", ".", "2", "3") == 7
    assert run(stash, "JSON.GET", "k") == b"[-3,-2,-1,0,1,2,3]"
    assert run(stash, "JSON.SET", "k", "[0]", '"-inf"') == Status("OK")
    assert run(stash, "JSON.SET", "k", "[-1]", '"+inf"') == Status("OK")
    assert run(stash, "JSON.SET", "k", "[3]", "null") == Status("OK")
    assert run(stash, "JSON.DEL", "k", "[1]") == 1
    assert run(stash, "JSON.DEL", "k", "[-2]") == 1
    assert run(stash, "JSON.GET", "k") == b'["-inf",-1,null,1,"+inf"]'
    assert run(stash, "JSON.ARRTRIM", "k", ".", "1", "-1") == 4
    assert run(stash, "JSON.ARRTRIM", "k", ".", "0", "-2") == 3
    assert run(stash, "JSON.ARRTRIM", "k", ".", "1", "1") == 1
    assert run(stash, "JSON.GET", "k") == b"[null]"


def test_arrappend_dialects_and_errors(stash: FakeStash) -> None:
    setdoc(stash, '{"a":[1],"b":{"a":[]},"s":"x"}')
    assert run(stash, "JSON.ARRAPPEND", "k", "$..a", "2", '"x"') == [2, 3]
    assert run(stash, "JSON.ARRAPPEND", "k", "$.s", "2") == [None]
    assert run(stash, "JSON.ARRAPPEND", "k", "$.nope", "2") == []
    assert run(stash, "JSON.ARRAPPEND", "k", ".a", "{}") == 4
    assert error(stash, "JSON.ARRAPPEND", "k", ".s", "1") == (
        "ERR Path '.s' does not exist or not an array"
    )
    assert error(stash, "JSON.ARRAPPEND", "missing", "$", "1") == NO_KEY
    assert error(stash, "JSON.ARRAPPEND", "k", "$.a", "{")
    assert error(stash, "JSON.ARRAPPEND", "k", "$.a") == (
        "ERR wrong number of arguments for 'json.arrappend' command"
    )
    assert run(stash, "JSON.GET", "k", "$..a") == b'[[2,"x"],[1,2,"x",{}]]'


def test_arrindex_as_redisjson_test_arr_index(stash: FakeStash) -> None:
    setdoc(stash, '{ "arr": [0, 1, 2, 3, 2, 1, 0] }')
    cases = [
        (["0"], 0),
        (["3"], 3),
        (["4"], -1),
        (["0", "1"], 6),
        (["0", "-1"], 6),
        (["0", "6"], 6),
        (["0", "4", "-0"], 6),
        (["0", "5", "-1"], -1),
        (["0", "5", "0"], 6),
        (["2", "-2", "6"], -1),
        (['"foo"'], -1),
    ]
    for args, want in cases:
        assert run(stash, "JSON.ARRINDEX", "k", ".arr", *args) == want, args
    assert run(stash, "JSON.ARRINSERT", "k", ".arr", "4", "[4]") == 8
    assert run(stash, "JSON.ARRINDEX", "k", ".arr", "[4]") == 4
    assert run(stash, "JSON.ARRINDEX", "k", ".arr", "2", "3") == 5
    assert run(stash, "JSON.ARRINDEX", "k", "$.arr", "1") == [1]
    assert run(stash, "JSON.ARRINDEX", "k", "$.arr", "2", "1", "4") == [2]
    assert run(stash, "JSON.ARRINDEX", "k", "$.arr", "3", "0", "2") == [-1]
    assert run(stash, "JSON.ARRINDEX", "k", "$", "3") == [None]


def test_arrindex_distinguishes_types_and_reports_errors(stash: FakeStash) -> None:
    setdoc(stash, '{"arr":[1,1.0,"1",{"val":4},[3,4]],"n":1}')
    assert run(stash, "JSON.ARRINDEX", "k", ".arr", "1.0") == 1
    assert run(stash, "JSON.ARRINDEX", "k", ".arr", '"1"') == 2
    assert run(stash, "JSON.ARRINDEX", "k", ".arr", '{"val": 4}') == 3
    assert run(stash, "JSON.ARRINDEX", "k", ".arr", "[3,4]") == 4
    assert error(stash, "JSON.ARRINDEX", "k", ".n", "1") == (
        "WRONGTYPE wrong type of path value - expected array but found integer"
    )
    assert error(stash, "JSON.ARRINDEX", "k", ".x", "1") == "ERR Path '$.x' does not exist"
    assert error(stash, "JSON.ARRINDEX", "missing", ".x", "1") == "ERR Path '.x' does not exist"
    assert error(stash, "JSON.ARRINDEX", "k", ".arr", "1", "x") == "Couldn't parse as integer"
    assert error(stash, "JSON.ARRINDEX", "k", ".arr", "1", "0", "0", "0") == (
        "ERR wrong number of arguments for 'json.arrindex' command"
    )


def test_arrinsert_as_redisjson_test_arr_insert(stash: FakeStash) -> None:
    setdoc(stash, '{ "arr": [] }')
    assert run(stash, "JSON.ARRINSERT", "k", ".arr", "0", "1") == 1
    assert run(stash, "JSON.ARRINSERT", "k", ".arr", "-1", "2") == 2
    assert run(stash, "JSON.ARRINSERT", "k", ".arr", "-2", "3") == 3
    assert run(stash, "JSON.ARRINSERT", "k", ".arr", "3", "4") == 4
    assert run(stash, "JSON.GET", "k", ".arr") == b"[3,2,1,4]"
    assert run(stash, "JSON.ARRINSERT", "k", ".arr", "1", "5") == 5
    assert run(stash, "JSON.ARRINSERT", "k", ".arr", "-2", "6") == 6
    assert run(stash, "JSON.ARRINSERT", "k", ".arr", "-3", "7", '{"A":"Z"}', "9") == 9
    assert run(stash, "JSON.GET", "k", ".arr") == b'[3,5,2,7,{"A":"Z"},9,6,1,4]'
    assert error(stash, "JSON.ARRINSERT", "k", ".arr", "-10", "10") == "ERR index out of bounds"
    assert error(stash, "JSON.ARRINSERT", "k", ".arr", "10", "10") == "ERR index out of bounds"
    assert error(stash, "JSON.ARRINSERT", "k", "$.arr", "10", "10") == "ERR index out of bounds"
    assert error(stash, "JSON.ARRINSERT", "k", ".arr", "x", "10") == "Couldn't parse as integer"
    assert run(stash, "JSON.ARRINSERT", "k", "$", "0", "1") == [None]
    assert error(stash, "JSON.ARRINSERT", "k", ".", "0", "1") == (
        "ERR Path '$' does not exist or not an array"
    )


def test_arrlen_both_dialects(stash: FakeStash) -> None:
    setdoc(stash, '{"a":[1,2],"b":{"a":[]},"s":"x"}')
    assert run(stash, "JSON.ARRLEN", "k", "$..a") == [0, 2]
    assert run(stash, "JSON.ARRLEN", "k", "$.s") == [None]
    assert run(stash, "JSON.ARRLEN", "k", ".a") == 2
    assert error(stash, "JSON.ARRLEN", "k", ".s") == "ERR Path '.s' does not exist or not an array"
    assert error(stash, "JSON.ARRLEN", "k") == "ERR Path '.' does not exist or not an array"
    assert run(stash, "JSON.ARRLEN", "missing") is None
    assert error(stash, "JSON.ARRLEN", "missing", "$") == NO_KEY


def test_arrpop_as_redisjson_test_arr_pop(stash: FakeStash) -> None:
    setdoc(stash, "[1,2,3,4,5,6,7,8,9]")
    assert run(stash, "JSON.ARRPOP", "k") == b"9"
    assert run(stash, "JSON.ARRPOP", "k", ".") == b"8"
    assert run(stash, "JSON.ARRPOP", "k", ".", "-1") == b"7"
    assert run(stash, "JSON.ARRPOP", "k", ".", "-2") == b"5"
    assert run(stash, "JSON.ARRPOP", "k", ".", "0") == b"1"
    assert run(stash, "JSON.ARRPOP", "k", ".", "2") == b"4"
    assert run(stash, "JSON.ARRPOP", "k", ".", "99") == b"6"
    assert run(stash, "JSON.ARRPOP", "k", ".", "-99") == b"2"
    assert run(stash, "JSON.ARRPOP", "k") == b"3"
    assert run(stash, "JSON.ARRPOP", "k") is None
    assert run(stash, "JSON.ARRPOP", "k", ".", "2") is None
    setdoc(stash, "1", "n")
    assert error(stash, "JSON.ARRPOP", "n") == "ERR Path '$' does not exist or not an array"


def test_arrpop_jsonpath_replies_per_match(stash: FakeStash) -> None:
    setdoc(stash, '{"int":1,"array":[1,2,3,4],"object":{"array":[5,6,7]},"e":[]}')
    assert run(stash, "JSON.ARRPOP", "k", "$..array", "1") == [b"6", b"2"]
    assert run(stash, "JSON.ARRPOP", "k", "$.int") == [None]
    assert run(stash, "JSON.ARRPOP", "k", "$.e") == [None]
    assert run(stash, "JSON.ARRPOP", "k", "$.nowhere") == []
    assert run(stash, "JSON.ARRPOP", "k", "$.array", '"abc"') == [b"4"]  # bad index → -1
    setdoc(stash, '[{"a":[1]},"s"]', "o")
    assert run(stash, "JSON.ARRPOP", "o", "$", "0") == [b'{"a":[1]}']
    assert error(stash, "JSON.ARRPOP", "missing", "$") == NO_KEY
    assert error(stash, "JSON.ARRPOP", "o", "FORMAT", "EXPAND") == (
        "ERR FORMAT argument is not supported on RESP2"
    )


def test_arrtrim_as_redisjson_test_arr_trim(stash: FakeStash) -> None:
    arr = '{ "arr": [0, 1, 2, 3, 2, 1, 0] }'
    setdoc(stash, arr)
    assert run(stash, "JSON.ARRTRIM", "k", ".arr", "1", "-2") == 5
    assert run(stash, "JSON.GET", "k", ".arr") == b"[1,2,3,2,1]"
    assert run(stash, "JSON.ARRTRIM", "k", ".arr", "0", "99") == 5
    assert run(stash, "JSON.ARRTRIM", "k", ".arr", "0", "2") == 3
    assert run(stash, "JSON.GET", "k", ".arr") == b"[1,2,3]"
    assert run(stash, "JSON.ARRTRIM", "k", ".arr", "99", "2") == 0
    assert run(stash, "JSON.GET", "k", ".arr") == b"[]"
    assert run(stash, "JSON.ARRTRIM", "k", ".arr", "-1", "0") == 0
    setdoc(stash, arr)
    assert run(stash, "JSON.ARRTRIM", "k", ".arr", "-1", "0") == 0
    setdoc(stash, arr)
    assert run(stash, "JSON.ARRTRIM", "k", ".arr", "-4", "1") == 0
    setdoc(stash, arr)
    assert run(stash, "JSON.ARRTRIM", "k", "$..arr", "2", "3") == [2]
    assert run(stash, "JSON.ARRTRIM", "k", "$", "0", "1") == [None]
    assert error(stash, "JSON.ARRTRIM", "k", ".", "0", "1") == (
        "ERR Path '$' does not exist or not an array"
    )
    assert error(stash, "JSON.ARRTRIM", "k", ".arr", "a", "1") == "Couldn't parse as integer"


# ---- numbers, booleans, CLEAR ------------------------------------------------------------


def test_numincrby_and_nummultby_both_dialects(stash: FakeStash) -> None:
    setdoc(stash, '{"a":1,"b":{"a":2.5},"s":"x"}')
    assert run(stash, "JSON.NUMINCRBY", "k", "$..a", "2") == b"[4.5,3]"
    assert run(stash, "JSON.NUMINCRBY", "k", "$.*", "1") == b"[4,null,null]"
    assert run(stash, "JSON.NUMINCRBY", "k", ".a", "1") == b"5"
    assert run(stash, "JSON.NUMINCRBY", "k", ".a", "0.5") == b"5.5"
    assert run(stash, "JSON.NUMINCRBY", "k", ".b.a", "0.5") == b"5.0"
    assert run(stash, "JSON.NUMMULTBY", "k", "$..a", "2") == b"[10.0,11.0]"
    assert run(stash, "JSON.NUMINCRBY", "k", "$.nope", "1") == b"[]"
    assert error(stash, "JSON.NUMINCRBY", "k", ".s", "1") == (
        "ERR Path '$.s' does not exist or does not contains a number"
    )
    assert error(stash, "JSON.NUMINCRBY", "k", ".a", '"1"') == "bad input number"
    assert error(stash, "JSON.NUMINCRBY", "k", ".a", "x") == "expected value at line 1 column 1"
    assert error(stash, "JSON.NUMINCRBY", "missing", ".a", "1") == NO_KEY
    assert run(stash, "JSON.GET", "k") == b'{"a":11.0,"b":{"a":10.0},"s":"x"}'


def test_number_ops_wrap_integers_and_refuse_infinity(stash: FakeStash) -> None:
    setdoc(stash, '{"i":9223372036854775807,"f":1e308}')
    assert run(stash, "JSON.NUMINCRBY", "k", ".i", "1") == b"-9223372036854775808"
    assert run(stash, "JSON.NUMMULTBY", "k", ".i", "2") == b"0"
    assert error(stash, "JSON.NUMMULTBY", "k", ".f", "10") == "result is not a number"
    assert run(stash, "JSON.GET", "k", ".f") == b"1e308"


def test_toggle_both_dialects(stash: FakeStash) -> None:
    setdoc(stash, '{"a":true,"b":{"a":false},"n":1}')
    assert run(stash, "JSON.TOGGLE", "k", "$..a") == [1, 0]
    assert run(stash, "JSON.TOGGLE", "k", "$.n") == [None]
    assert run(stash, "JSON.TOGGLE", "k", ".a") == b"true"
    assert run(stash, "JSON.TOGGLE", "k", ".a") == b"false"
    assert error(stash, "JSON.TOGGLE", "k", ".n") == "ERR Path '$.n' does not exist or not a bool"
    assert error(stash, "JSON.TOGGLE", "missing", "$") == NO_KEY
    assert run(stash, "JSON.GET", "k") == b'{"a":false,"b":{"a":true},"n":1}'


def test_clear_as_redisjson_test_clear(stash: FakeStash) -> None:
    setdoc(stash, DOC, "test")
    assert (
        run(stash, "JSON.GET", "test", "$..n") == b'[44,{"a":1,"b":2},["to","be","cleared",4],42]'
    )
    assert run(stash, "JSON.CLEAR", "test", "$.arr[2].n") == 1
    assert run(stash, "JSON.CLEAR", "test", "$.arr[3].n2.n") == 1
    assert run(stash, "JSON.CLEAR", "test", "$.arr[1]") == 0
    assert run(stash, "JSON.GET", "test", "$.arr[2].n") == b"[{}]"
    assert run(stash, "JSON.GET", "test", ".arr[2].n") == b"{}"
    assert run(stash, "JSON.GET", "test", "$..n") == b"[44,{},[],42]"
    setdoc(stash, DOC, "test")
    assert run(stash, "JSON.CLEAR", "test", "$.arr.*") == 3
    assert run(stash, "JSON.GET", "test", "$") == b'[{"n":42,"s":"42","arr":[{},"s",{},{}]}]'
    setdoc(stash, DOC, "test")
    assert run(stash, "JSON.CLEAR", "test", "$", "$.arr[2].n") == 1
    assert run(stash, "JSON.GET", "test", "$") == b"[{}]"
    setdoc(stash, '{"a":1,"b":2}', "test")
    assert run(stash, "JSON.CLEAR", "test") == 1
    setdoc(stash, '{"a":[1,2], "b":{"c":"d"}}', "test")
    assert run(stash, "JSON.CLEAR", "test", "$.c") == 0
    assert run(stash, "JSON.CLEAR", "test", "$.b..a") == 0
    assert error(stash, "JSON.CLEAR", "not_test_key", "$") == NO_KEY
    setdoc(stash, '{"i":5,"f":1.5,"z":0}', "num")
    assert run(stash, "JSON.CLEAR", "num", "$.*") == 2
    assert run(stash, "JSON.GET", "num") == b'{"i":0,"f":0,"z":0}'


# ---- JSONPath features -------------------------------------------------------------------

STORE = json.dumps(
    {
        "store": {
            "book": [
                {
                    "category": "reference",
                    "author": "Nigel Rees",
                    "title": "Sayings",
                    "price": 8.95,
                },
                {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
                {
                    "category": "fiction",
                    "author": "Herman Melville",
                    "title": "Moby Dick",
                    "isbn": "0-553-21311-3",
                    "price": 8.99,
                },
                {
                    "category": "fiction",
                    "author": "J. R. R. Tolkien",
                    "title": "The Lord",
                    "isbn": "0-395-19395-8",
                    "price": 22.99,
                },
            ],
            "bicycle": {"color": "red", "price": 19.95},
        }
    }
)


@pytest.mark.parametrize(
    ("path", "want"),
    [
        (
            "$.store.book[*].author",
            ["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"],
        ),
        ("$..author", ["Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"]),
        ("$.store..price", [8.95, 12.99, 8.99, 22.99, 19.95]),
        ("$..book[2].title", ["Moby Dick"]),
        ("$..book[-1].title", ["The Lord"]),
        ("$..book[0,1].title", ["Sayings", "Sword"]),
        ("$..book[:2].title", ["Sayings", "Sword"]),
        ("$..book[1:3].title", ["Sword", "Moby Dick"]),
        ("$..book[-2:].title", ["Moby Dick", "The Lord"]),
        ("$..book[::2].title", ["Sayings", "Moby Dick"]),
        ("$..book[?(@.isbn)].title", ["Moby Dick", "The Lord"]),
        ("$..book[?(@.price<10)].title", ["Sayings", "Moby Dick"]),
        ("$..book[?(@.price < 10 && @.category == 'fiction')].title", ["Moby Dick"]),
        ('$..book[?(@.price>20 || @.author=="Nigel Rees")].title', ["Sayings", "The Lord"]),
        ("$..book[?(@.author =~ 'Mel.*')].title", ["Moby Dick"]),
        ("$..book[?(@.price != 8.95)].price", [12.99, 8.99, 22.99]),
        ("$..book[?(@.price >= $.store.bicycle.price)].title", ["The Lord"]),
        ("$..book[?((@.price<9) && (@.isbn))].title", ["Moby Dick"]),
        ("$.store['bicycle']['color']", ["red"]),
        ("$.store.bicycle['color','price']", ["red", 19.95]),
        ("$.store.*.color", ["red"]),
        ("$.store.bicycle.*", ["red", 19.95]),
        ("$.nope..x", []),
    ],
)
def test_jsonpath_selectors(stash: FakeStash, path: str, want: list[object]) -> None:
    setdoc(stash, STORE)
    assert json.loads(run(stash, "JSON.GET", "k", path)) == want


def test_recursive_descent_returns_deeper_matches_first_as_upstash(stash: FakeStash) -> None:
    setdoc(stash, '{"a":{"b":1},"b":2,"c":[{"b":3}]}')
    assert run(stash, "JSON.GET", "k", "$..b") == b"[1,3,2]"
    assert run(stash, "JSON.GET", "k", "$..*") == b'[1,3,{"b":3},{"b":1},2,[{"b":3}]]'


def test_bad_path_syntax_is_an_error(stash: FakeStash) -> None:
    setdoc(stash, "{}")
    for bad in ["$.a[", "$[?(@.a==1]", "$a", "$.", ".a..", "$[1:2:0]"]:
        assert error(stash, "JSON.GET", "k", bad).startswith("Error occurred on position")


# ---- serialisation properties ------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_set_get_round_trips_any_json(value: object) -> None:
    stash = FakeStash(seed=0)
    text = json.dumps(value)
    stash.execute("JSON.SET", "k", "$", text)
    assert json.loads(stash.execute("JSON.GET", "k")) == value  # type: ignore[arg-type]


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_float_round_trips_and_keeps_a_float_marker(x: float) -> None:
    text = format_float(x)
    assert float(text) == x
    assert "." in text or "e" in text


# ---- nesting depth: serde_json's recursion limit -------------------------------------------------


@pytest.mark.parametrize("depth", [128, 129, 1000, 100_000])
def test_a_value_nested_128_deep_is_refused_at_its_128th_bracket(
    stash: FakeStash, depth: int
) -> None:
    assert error(stash, "JSON.SET", "j", "$", "[" * depth + "]" * depth) == (
        "recursion limit exceeded at line 1 column 128"
    )
    assert error(stash, "JSON.MERGE", "j", "$", "[" * depth + "]" * depth) == (
        "recursion limit exceeded at line 1 column 128"
    )
    assert run(stash, "EXISTS", "j") == 0


def test_127_levels_parse(stash: FakeStash) -> None:
    assert run(stash, "JSON.SET", "j", "$", "[" * 127 + "]" * 127) == Status("OK")
    assert run(stash, "JSON.GET", "j") == b"[" * 127 + b"]" * 127


def test_the_depth_limit_counts_objects_and_skips_strings(stash: FakeStash) -> None:
    assert error(stash, "JSON.SET", "j", "$", '{"a":' * 200 + "1" + "}" * 200) == (
        "recursion limit exceeded at line 1 column 636"
    )
    assert run(stash, "JSON.SET", "j", "$", '["' + "[" * 300 + '"]') == Status("OK")


def test_a_syntax_error_before_the_limit_is_reported_first(stash: FakeStash) -> None:
    assert error(stash, "JSON.SET", "j", "$", "[1 2" + "[" * 300) == (
        "expected `,` or `]` at line 1 column 4"
    )


# ---- JSON.DEBUG ------------------------------------------------------------------------------


def test_json_debug_memory_and_help(stash: FakeStash) -> None:
    setdoc(stash, '{"a":1,"s":"hello","o":{"x":[1,2.5]}}')
    assert run(stash, "JSON.DEBUG", "MEMORY", "k") == 209
    assert run(stash, "JSON.DEBUG", "MEMORY", "k", "$..x") == [56]
    assert run(stash, "JSON.DEBUG", "MEMORY", "k", "$.s") == [29]
    assert run(stash, "JSON.DEBUG", "MEMORY", "k", ".a") == 8
    assert run(stash, "JSON.DEBUG", "MEMORY", "k", "$.nope") == []
    assert run(stash, "JSON.DEBUG", "memory", "missing") == 0
    assert run(stash, "JSON.DEBUG", "MEMORY", "missing", "$") == []
    assert run(stash, "JSON.DEBUG", "help") == [
        b"MEMORY <key> [path] - reports memory usage",
        b"HELP                - this message",
    ]


def test_json_debug_errors(stash: FakeStash) -> None:
    setdoc(stash, "{}")
    run(stash, "SET", "str", "v")
    arity = "ERR wrong number of arguments for 'json.debug' command"
    assert error(stash, "JSON.DEBUG", "FOO") == "ERR unknown subcommand - try `JSON.DEBUG HELP`"
    assert error(stash, "JSON.DEBUG", "MEMORY") == arity
    assert error(stash, "JSON.DEBUG", "MEMORY", "k", "$", "extra") == arity
    assert error(stash, "JSON.DEBUG", "HELP", "extra") == arity
    assert error(stash, "JSON.DEBUG", "MEMORY", "k", ".nope") == "ERR Path '$.nope' does not exist"
    assert error(stash, "JSON.DEBUG", "MEMORY", "str") == "Existing key has wrong Redis type"
