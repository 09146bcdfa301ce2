"""lua-cmsgpack as Redis ships it: ``cmsgpack.pack`` / ``unpack`` / ``unpack_one`` /
``unpack_limit``. Integers use the smallest encoding, other numbers float32 when exact,
else float64; a table with keys 1..n is an array, anything else a map."""

from __future__ import annotations

import math
import struct
from typing import TYPE_CHECKING, Any, Callable

from lupa import lua51

from fakestash._engine.lua.libs.lua_args import type_name

if TYPE_CHECKING:
    from lupa.lua51 import LuaRuntime

MAX_NESTING = 16


def _int(n: int) -> bytes:
    if n >= 0:
        if n <= 127:
            return bytes([n])
        if n <= 0xFF:
            return b"\xcc" + bytes([n])
        if n <= 0xFFFF:
            return b"\xcd" + struct.pack(">H", n)
        if n <= 0xFFFFFFFF:
            return b"\xce" + struct.pack(">I", n)
        return b"\xcf" + struct.pack(">Q", n & 0xFFFFFFFFFFFFFFFF)
    if n >= -32:
        return struct.pack(">b", n)
    if n >= -128:
        return b"\xd0" + struct.pack(">b", n)
    if n >= -32768:
        return b"\xd1" + struct.pack(">h", n)
    if n >= -(2**31):
        return b"\xd2" + struct.pack(">i", n)
    return b"\xd3" + struct.pack(">q", max(n, -(2**63)))


def _number(x: float) -> bytes:
    if not math.isinf(x) and not math.isnan(x) and x == int(x) and -(2**63) <= x < 2**64:
        return _int(int(x))
    as_float = struct.unpack(">f", struct.pack(">f", x))[0] if abs(x) < 3.5e38 else None
    if as_float == x or (math.isnan(x)):
        return b"\xca" + struct.pack(">f", x)
    return b"\xcb" + struct.pack(">d", x)


def _bytes(s: bytes) -> bytes:
    n = len(s)
    if n < 32:
        head = bytes([0xA0 | n])
    elif n <= 0xFF:
        head = b"\xd9" + bytes([n])
    elif n <= 0xFFFF:
        head = b"\xda" + struct.pack(">H", n)
    else:
        head = b"\xdb" + struct.pack(">I", n)
    return head + s


def _encode(value: Any, level: int = 0) -> bytes:
    if value is None:
        return b"\xc0"
    if isinstance(value, bool):
        return b"\xc3" if value else b"\xc2"
    if isinstance(value, (int, float)):
        return _number(float(value)) if isinstance(value, float) else _int(value)
    if isinstance(value, bytes):
        return _bytes(value)
    if lua51.lua_type(value) != "table" or level >= MAX_NESTING:
        return b"\xc0"
    items = list(value.items())  # raw, as lua_next
    fields = dict(items)
    keys = [k for k, _ in items]
    count = len(items)
    is_array = all(
        isinstance(k, (int, float)) and not isinstance(k, bool) and k >= 1 and k == int(k)
        for k in keys
    ) and (max((int(k) for k in keys), default=0) == count)
    if is_array:
        head = (
            bytes([0x90 | count])
            if count < 16
            else b"\xdc" + struct.pack(">H", count)
            if count <= 0xFFFF
            else b"\xdd" + struct.pack(">I", count)
        )
        return head + b"".join(_encode(fields[i], level + 1) for i in range(1, count + 1))
    head = (
        bytes([0x80 | count])
        if count < 16
        else b"\xde" + struct.pack(">H", count)
        if count <= 0xFFFF
        else b"\xdf" + struct.pack(">I", count)
    )
    return head + b"".join(_encode(k, level + 1) + _encode(v, level + 1) for k, v in items)


class _Missing(Exception):
    pass


class _Bad(Exception):
    pass


class _LuaError(Exception):
    """An error lua-cmsgpack raises through Lua (luaL_checkstack, lua_settable)."""


#: LUAI_MAXCSTACK: how many slots ``lua_checkstack`` lets a C function use.
LUA_STACK_SLOTS = 8000
TOO_MANY_VALUES = (
    "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)"
)
ARRAY_OVERFLOW = "stack overflow (in function mp_decode_to_lua_array)"
_INTS = {
    0xCC: (">B", 1),
    0xCD: (">H", 2),
    0xCE: (">I", 4),
    0xCF: (">q", 8),  # uint 64, read as lua-cmsgpack does: the signed 64-bit value
    0xD0: (">b", 1),
    0xD1: (">h", 2),
    0xD2: (">i", 4),
    0xD3: (">q", 8),
    0xCA: (">f", 4),
    0xCB: (">d", 8),
}
_LENGTHS = {
    0xD9: (">B", 1),
    0xDA: (">H", 2),
    0xDB: (">I", 4),
}  # no bin 8/16/32 (0xC4-0xC6): Redis' lua-cmsgpack answers "Bad data format" to them
_CONTAINERS = {
    0xDC: (">H", 2, True),
    0xDD: (">I", 4, True),
    0xDE: (">H", 2, False),
    0xDF: (">I", 4, False),
}
_SIMPLE: dict[int, Any] = {0xC0: None, 0xC2: False, 0xC3: True}


class Table:
    """A decoded array (values, None for nil) or map ((key, value) pairs), before it
    becomes a Lua table."""

    __slots__ = ("is_array", "items")

    def __init__(self, is_array: bool) -> None:
        self.is_array = is_array
        self.items: list[Any] = []


class _Open:
    """A table being filled: an array (next index) or a map (key awaiting its value)."""

    __slots__ = ("has_key", "key", "left", "table")

    def __init__(self, table: Table, left: int) -> None:
        self.table, self.left = table, left
        self.key, self.has_key = None, False


class Decoder:
    """lua-cmsgpack's decoder without recursion. It counts the Lua stack slots the C
    decoder would hold (a table and a key per open level, one per decoded value) and fails
    where it would: ``stack overflow (...)`` near 4,000 levels, as in Redis."""

    def __init__(self, data: bytes, used: int) -> None:
        self.data = data
        self.pos = 0
        self.used = used  # lua_gettop() of the C function

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise _Missing()
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str, n: int) -> Any:
        return struct.unpack(fmt, self.take(n))[0]

    def value(self) -> Any:
        """One object (and everything inside it); it stays on the emulated stack."""
        open_tables: list[_Open] = []
        while True:
            result, opened = self._one()
            if opened is not None:
                open_tables.append(opened)
                if opened.table.is_array:
                    self.used += 1  # lua_pushnumber(L, index)
                continue
            while open_tables:
                top = open_tables[-1]
                if not self._store(top, result):
                    break
                open_tables.pop()
                result = top.table
            else:
                return result

    def _store(self, top: _Open, result: Any) -> bool:
        """Put a decoded value in the open table; True once the table is complete."""
        table = top.table
        if table.is_array:
            table.items.append(result)
        elif not top.has_key:
            top.key, top.has_key = result, True
            return False
        else:
            _check_key(top.key)
            table.items.append((top.key, result))
            top.has_key = False
        self.used -= 2  # lua_settable pops the key and the value
        top.left -= 1
        if top.left == 0:
            return True
        if table.is_array:
            self.used += 1
        return False

    def _one(self) -> tuple[Any, _Open | None]:
        """``mp_decode_to_lua_type``: a scalar, an empty table, or a table to fill."""
        if self.used + 1 > LUA_STACK_SLOTS:
            raise _LuaError(TOO_MANY_VALUES)
        b = self.take(1)[0]
        count, is_array = self._container(b)
        if count is None:
            self.used += 1
            return self._scalar(b), None
        table = Table(is_array)
        self.used += 1
        if is_array and self.used + 1 > LUA_STACK_SLOTS:
            raise _LuaError(ARRAY_OVERFLOW)
        if count == 0:
            return table, None
        return table, _Open(table, count)

    def _container(self, b: int) -> tuple[int | None, bool]:
        if 0x80 <= b <= 0x8F:
            return b & 0x0F, False
        if 0x90 <= b <= 0x9F:
            return b & 0x0F, True
        spec = _CONTAINERS.get(b)
        if spec is None:
            return None, False
        fmt, size, is_array = spec
        return self.unpack(fmt, size), is_array

    def _scalar(self, b: int) -> Any:
        if b <= 0x7F:
            return b
        if b >= 0xE0:
            return b - 0x100
        if 0xA0 <= b <= 0xBF:
            return self.take(b & 0x1F)
        if b in _SIMPLE:
            return _SIMPLE[b]
        if b in _INTS:
            fmt, size = _INTS[b]
            return self.unpack(fmt, size)
        if b in _LENGTHS:
            fmt, size = _LENGTHS[b]
            return self.take(self.unpack(fmt, size))
        raise _Bad()


def _size(values: list[Any]) -> int:
    """A generous estimate of the Lua memory the decoded values take."""
    size = 0
    todo = list(values)
    while todo:
        item = todo.pop()
        if type(item) is bytes:
            size += 40 + len(item)
        elif type(item) is Table:
            size += 64 + 80 * len(item.items)
            todo.extend(item.items)
        elif type(item) is tuple:
            todo.extend(item)
    return size


def _to_lua(value: Any, table_from: Any) -> Any:
    """A decoded value as a Lua value, inner tables first (no recursion)."""
    if type(value) is not Table:
        return value
    built: dict[int, Any] = {}
    todo: list[tuple[Table, bool]] = [(value, False)]
    while todo:
        table, children_done = todo.pop()
        if not children_done:
            todo.append((table, True))
            for item in table.items:
                for part in item if type(item) is tuple else (item,):
                    if type(part) is Table:
                        todo.append((part, False))
            continue

        def lua(part: Any) -> Any:
            return built.pop(id(part)) if type(part) is Table else part

        if table.is_array:
            built[id(table)] = table_from([lua(item) for item in table.items])
            continue
        result = table_from([])
        for key, item in table.items:
            key, item = lua(key), lua(item)
            if item is not None:
                result[key] = item
        built[id(table)] = result
    return built[id(value)]


def _check_key(key: Any) -> None:
    """lua_settable's own errors for a map key."""
    if key is None:
        raise _LuaError("table index is nil")
    if isinstance(key, float) and math.isnan(key):
        raise _LuaError("table index is NaN")


class _ArgError(Exception):
    pass


def _integer_arg(args: tuple[Any, ...], n: int, name: str, optional: bool) -> int:
    """luaL_checkinteger / luaL_optinteger (strings that are numbers count)."""
    if len(args) < n or (optional and args[n - 1] is None):
        if optional:
            return 0
        got = "no value"
    else:
        value = args[n - 1]
        if isinstance(value, bytes):
            try:
                value = float(value.strip())
            except ValueError:
                pass
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return int(value) if math.isfinite(value) else 0
        got = type_name(args[n - 1])
    raise _ArgError(f"bad argument #{n} to '{name}' (number expected, got {got})")


def functions(lua: LuaRuntime, room: Callable[[int], None]) -> dict[bytes, Any]:
    """``room(n)`` is called before the decoded values (``n`` bytes) become Lua tables."""
    table_from = lua.table_from

    def pack(*args: Any) -> tuple[Any, ...]:
        if not args:
            return False, b"MessagePack pack needs input."
        return True, b"".join(_encode(a) for a in args)

    def unpack_full(
        args: tuple[Any, ...], name: str, limit: int, offset: int, used: int
    ) -> tuple[Any, ...]:
        """``mp_unpack_full``: up to ``limit`` objects from ``offset`` (both 0: all, and
        no next offset first)."""
        data = args[0] if args else None
        if not isinstance(data, bytes):
            got = "no value" if not args else type_name(data)
            return False, f"bad argument #1 to '{name}' (string expected, got {got})".encode()
        if offset < 0 or limit < 0:
            # lua-cmsgpack prints the input length where it means the limit
            text = f"Invalid request to unpack with offset of {offset} and limit of {len(data)}."
            return False, text.encode()
        if offset > len(data):
            return False, f"Start offset {offset} greater than input length {len(data)}.".encode()
        decode_all = not limit and not offset
        decoder = Decoder(data, used)
        decoder.pos = offset
        values: list[Any] = []
        try:
            while decoder.pos < len(data) and (decode_all or len(values) < limit):
                values.append(decoder.value())
        except _Missing:
            return False, b"Missing bytes in input."
        except _Bad:
            return False, b"Bad data format in input."
        except _LuaError as exc:
            return False, str(exc).encode()
        if not decode_all:
            values.insert(0, decoder.pos if decoder.pos < len(data) else -1)
        room(_size(values))
        return True, [_to_lua(value, table_from) for value in values], len(values)

    def unpack(*args: Any) -> tuple[Any, ...]:
        return unpack_full(args, "unpack", 0, 0, max(1, len(args)))

    def unpack_one(*args: Any) -> tuple[Any, ...]:
        try:
            offset = _integer_arg(args, 2, "unpack_one", optional=True)
        except _ArgError as exc:
            return False, str(exc).encode()
        return unpack_full(args, "unpack_one", 1, offset, 1)

    def unpack_limit(*args: Any) -> tuple[Any, ...]:
        try:
            limit = _integer_arg(args, 2, "unpack_limit", optional=False)
            offset = _integer_arg(args, 3, "unpack_limit", optional=True)
        except _ArgError as exc:
            return False, str(exc).encode()
        return unpack_full(args, "unpack_limit", limit, offset, 1)

    return {
        b"pack": pack,
        b"unpack": unpack,
        b"unpack_one": unpack_one,
        b"unpack_limit": unpack_limit,
    }
