"""DUMP/RESTORE of module values (RDB_TYPE_MODULE_2): the framing every module value shares.

Redis writes a module value as ``rdbSaveLen(module type id)``, the fields the module's
``rdb_save`` writes, each behind an opcode (``RDB_MODULE_OPCODE_UINT`` 2, ``STRING`` 5, …),
then ``RDB_MODULE_OPCODE_EOF`` (0) (redis/src/rdb.c, module.c). The id packs the type's
9-character name, 6 bits a character from ``A-Za-z0-9-_``, and a 10-bit encoding version
(``moduleTypeEncodeId``); a server restores the value only if the module is loaded.

The one module type fakestash stores is RedisJSON's (``fakestash/_engine/values/json.py``).
"""

from __future__ import annotations

from fakestash._engine import rdb
from fakestash._engine.rdb_compact import RdbError

#: ``ModuleTypeNameCharSet`` (redis/src/module.c).
NAME_CHARSET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
OPCODE_EOF = 0
OPCODE_UINT = 2
OPCODE_STRING = 5


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


# ---- fields --------------------------------------------------------------------------------


def encode_module(type_name: str, encver: int, strings: list[bytes]) -> tuple[int, bytes]:
    """A module value of string fields: the type id, each field behind its opcode, EOF."""
    parts = [rdb.encode_length(module_type_id(type_name, encver))]
    for text in strings:
        parts += [rdb.encode_length(OPCODE_STRING), rdb.encode_string(text)]
    parts.append(rdb.encode_length(OPCODE_EOF))
    return rdb.RDB_TYPE_MODULE_2, b"".join(parts)


def module_string(reader: rdb.Reader) -> bytes:
    if reader.length() != OPCODE_STRING:
        raise RdbError("module field is not a string")
    return reader.string()


def module_unsigned(reader: rdb.Reader) -> int:
    if reader.length() != OPCODE_UINT:
        raise RdbError("module field is not an unsigned integer")
    return reader.length()


def module_eof(reader: rdb.Reader) -> None:
    if reader.length() != OPCODE_EOF:
        raise RdbError("module value does not end with EOF")
