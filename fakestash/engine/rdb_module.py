"""DUMP/RESTORE of module values (RDB_TYPE_MODULE_2), and RedisJSON's JSON documents in it.

Redis writes a module value as ``rdbSaveLen(module type id)``, the fields the module's
``rdb_save`` writes, each behind an opcode (``RDB_MODULE_OPCODE_UINT`` 2, ``STRING`` 5, …),
then ``RDB_MODULE_OPCODE_EOF`` (0) (redis/src/rdb.c, module.c). The id packs the type's
9-character name, 6 bits a character from ``A-Za-z0-9-_``, and a 10-bit encoding version
(``moduleTypeEncodeId``); a server restores the value only if the module is loaded.

A JSON key is RedisJSON's ``ReJSON-RL`` type, encoding version 3: one string, the document
as ``serde_json`` writes it compactly (RedisJSON ``redisjson.rs`` ``rdb_save``). RESTORE also
reads version 2 (the same string, then an unsigned and, if it is not 0, two strings RediSearch
once kept there); version 0, RedisJSON 1.0's node tree, is refused as bad data.
"""

from __future__ import annotations

from fakestash.engine import rdb
from fakestash.engine.json_value import JsonValue, dumps, parse_json
from fakestash.engine.rdb_compact import RdbError
from fakestash.errors import CommandError

#: ``ModuleTypeNameCharSet`` (redis/src/module.c).
NAME_CHARSET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
OPCODE_EOF = 0
OPCODE_UINT = 2
OPCODE_STRING = 5

JSON_TYPE_NAME = "ReJSON-RL"
JSON_ENCODING_VERSION = 3


def module_type_id(name: str, encver: int) -> int:
    """``moduleTypeEncodeId``: 9 name characters of 6 bits, then the 10-bit version."""
    raw = name.encode("ascii")
    if len(raw) != 9 or any(c not in NAME_CHARSET for c in raw) or not 0 <= encver < 1024:
        raise ValueError(f"not a module type name/version: {name!r} {encver}")
    type_id = 0
    for char in raw:
        type_id = (type_id << 6) | NAME_CHARSET.index(char)
    return (type_id << 10) | encver


def split_module_type_id(type_id: int) -> tuple[str, int]:
    """The (name, encoding version) an id packs (``moduleTypeNameByID``)."""
    encver, packed = type_id & 1023, type_id >> 10
    name = bytearray()
    for _ in range(9):
        name.append(NAME_CHARSET[packed & 63])
        packed >>= 6
    return bytes(reversed(name)).decode("ascii"), encver


# ---- JSON --------------------------------------------------------------------------------------


def encode_json(value: JsonValue) -> tuple[int, bytes]:
    """A JSON document as RedisJSON saves it (encoding version 3)."""
    type_id = module_type_id(JSON_TYPE_NAME, JSON_ENCODING_VERSION)
    text = dumps(value.data).encode("utf-8")
    body = (
        rdb.encode_length(type_id)
        + rdb.encode_length(OPCODE_STRING)
        + rdb.encode_string(text)
        + rdb.encode_length(OPCODE_EOF)
    )
    return rdb.RDB_TYPE_MODULE_2, body


def decode_module(rdb_type: int, reader: rdb.Reader) -> JsonValue:
    name, encver = split_module_type_id(reader.length())
    if name != JSON_TYPE_NAME:
        raise RdbError(f"no module type {name!r} here")  # Redis: no matching module type
    if encver not in (2, 3):
        raise RdbError(f"RedisJSON encoding version {encver} is not read")
    text = _module_string(reader)
    if encver == 2 and _module_unsigned(reader):
        _module_string(reader)
        _module_string(reader)
    if reader.length() != OPCODE_EOF:
        raise RdbError("module value does not end with EOF")
    try:
        return JsonValue(parse_json(text))
    except CommandError as exc:
        raise RdbError(f"bad JSON: {exc}") from None


def _module_string(reader: rdb.Reader) -> bytes:
    if reader.length() != OPCODE_STRING:
        raise RdbError("module field is not a string")
    return reader.string()


def _module_unsigned(reader: rdb.Reader) -> int:
    if reader.length() != OPCODE_UINT:
        raise RdbError("module field is not an unsigned integer")
    return reader.length()


rdb.register_codec(JSON_TYPE_NAME, encode_json, decode_module, [rdb.RDB_TYPE_MODULE_2])
