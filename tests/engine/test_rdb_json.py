"""DUMP/RESTORE of JSON keys as RedisJSON's module value (``ReJSON-RL``, encoding version 3),
checked byte for byte against RedisJSON 2.8 loaded into Redis 7.0 and 8.2."""

from __future__ import annotations

import pytest

from fakestash import FakeStash
from fakestash._engine import rdb, rdb_module
from fakestash._engine.replies import Status
from tests.conftest import Oracle
from tests.helpers import error, run

DOC = '{"a":[1,2.5,"\u00e9",null,true],"o":{"n":-3}}'
# JSON.SET j $ DOC; DUMP j  on redis-server 7.0.15 with RedisJSON 2.8.3 (RDB 10) ...
REDIS70 = bytes.fromhex(
    "078145e25238df912c0305297b2261223a5b312c322e352c22c3a9222c6e756c6c2c747275655d2c226f223a"
    "7b226e223a2d337d7d000a00800aec20a51ac47d"
)
# ... and on redis-server 8.2.3 with the same module (RDB 12).
REDIS82 = bytes.fromhex(
    "078145e25238df912c0305297b2261223a5b312c322e352c22c3a9222c6e756c6c2c747275655d2c226f223a"
    "7b226e223a2d337d7d000c004b7cd8e05f305a34"
)
JSON_ID = rdb.encode_length(rdb_module.module_type_id("ReJSON-RL", 3))


def test_module_type_id_packs_name_and_version() -> None:
    assert b"\x81" + bytes.fromhex("45e25238df912c03") == JSON_ID
    type_id = rdb_module.module_type_id("ReJSON-RL", 3)
    assert rdb_module.split_module_type_id(type_id) == ("ReJSON-RL", 3)
    with pytest.raises(ValueError):
        rdb_module.module_type_id("short", 1)


def test_dump_is_redisjson_byte_for_byte(stash: FakeStash) -> None:
    run(stash, "JSON.SET", "j", "$", DOC)
    assert run(stash, "DUMP", "j") == REDIS70


@pytest.mark.parametrize("payload", [REDIS70, REDIS82], ids=["redis7", "redis8"])
def test_restores_redisjson_payloads(stash: FakeStash, payload: bytes) -> None:
    assert run(stash, "RESTORE", "j", "0", payload) == Status("OK")
    assert run(stash, "TYPE", "j") == Status("ReJSON-RL")
    assert run(stash, "JSON.GET", "j") == DOC.encode()
    assert run(stash, "JSON.GET", "j", "$.a[2]") == '["\u00e9"]'.encode()


@pytest.mark.parametrize(
    "doc, encoded",
    [
        ("12", b"\xc0\x0c"),  # a document that reads as an integer: integer-encoded, as Redis
        ('"s"', b'\x03"s"'),
        ("[]", b"\x02[]"),
        ("1.0", b"\x031.0"),
    ],
)
def test_small_documents(stash: FakeStash, doc: str, encoded: bytes) -> None:
    run(stash, "JSON.SET", "j", "$", doc)
    payload = run(stash, "DUMP", "j")
    body = JSON_ID + b"\x05" + encoded + b"\x00"
    assert payload == rdb.make_payload(rdb.RDB_TYPE_MODULE_2, body)
    run(stash, "RESTORE", "k", "0", payload)
    assert run(stash, "JSON.GET", "k") == doc.encode()


def _module(body: bytes, name: str = "ReJSON-RL", encver: int = 3) -> bytes:
    type_id = rdb.encode_length(rdb_module.module_type_id(name, encver))
    return rdb.make_payload(rdb.RDB_TYPE_MODULE_2, type_id + body)


@pytest.mark.parametrize(
    "body",
    [
        b'\x05\x07{"a":1}\x02\x00\x00',  # version 2: the string, then an unsigned 0
        b'\x05\x07{"a":1}\x02\x01\x05\x01x\x05\x01y\x00',  # ... or 1 and two old strings
    ],
)
def test_restores_encoding_version_2(stash: FakeStash, body: bytes) -> None:
    assert run(stash, "RESTORE", "j", "0", _module(body, encver=2)) == Status("OK")
    assert run(stash, "JSON.GET", "j") == b'{"a":1}'


@pytest.mark.parametrize(
    "payload",
    [
        _module(b'\x05\x07{"a":1}\x00', name="MyModType"),  # a module type not loaded here
        _module(b'\x05\x07{"a":1}\x00', encver=0),  # RedisJSON 1.0's tree
        _module(b'\x05\x06{"a":1\x00'),  # not JSON
        _module(b'\x05\x07{"a":1}'),  # no EOF
        _module(b"\x02\x07\x00"),  # not a string
        _module(b"\x05\x02\xff\xfe\x00"),  # not UTF-8
    ],
)
def test_malformed_module_values_are_bad_data(stash: FakeStash, payload: bytes) -> None:
    assert error(stash, "RESTORE", "j", "0", payload) == "ERR Bad data format"


# ---- real servers ----------------------------------------------------------------------------

DOCS = [
    DOC,
    '{"f":1e300,"g":-0.0,"big":18446744073709551615,"neg":-9223372036854775808,"u":"\\u0001"}',
    '[[],{},"' + "z" * 300 + '"]',
    "3.25",
    '"\u65e5\u672c"',
]


@pytest.mark.real_redis
def test_redisjson_and_fakestash_exchange_documents(oracle: Oracle) -> None:
    oracle.require_json()
    client, stash = oracle.client, FakeStash(seed=0)
    client.flushall()
    for i, doc in enumerate(DOCS):
        client.execute_command("JSON.SET", f"r{i}", "$", doc)
        run(stash, "JSON.SET", f"f{i}", "$", doc)
        run(stash, "RESTORE", f"r{i}", "0", client.dump(f"r{i}"))
        assert run(stash, "JSON.GET", f"r{i}") == client.execute_command("JSON.GET", f"r{i}")
        client.restore(f"f{i}", 0, run(stash, "DUMP", f"f{i}"))
        assert client.execute_command("JSON.GET", f"f{i}") == run(stash, "JSON.GET", f"f{i}")
        assert client.type(f"f{i}") == b"ReJSON-RL"
