"""The JSON value (RedisJSON's ``ReJSON-RL`` type): parsing and serialising as RedisJSON does.

A document is plain Python data: ``None``, ``bool``, ``int``, ``float``, ``str``, ``list``
and ``dict`` (insertion-ordered, as RedisJSON's ijson objects are). Integers outside the
i64/u64 range become floats, as serde_json reads them. Serialisation follows serde_json
(RedisJSON's writer): compact separators, non-ASCII kept raw, control characters escaped,
floats in ryu's shortest form with a ``.0`` kept (``1.0``, ``1e16``, ``1.5e-7``), and the
INDENT / NEWLINE / SPACE layout of RedisJSON's ``formatter.rs``.

DUMP writes RedisJSON's module value (``rdb_module.py``), encoding version 3: one string, the
document as ``serde_json`` writes it compactly (RedisJSON ``redisjson.rs`` ``rdb_save``).
RESTORE also reads version 2 (the same string, then an unsigned and, if it is not 0, two
strings RediSearch once kept there); version 0, RedisJSON 1.0's node tree, is refused as bad
data.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any, ClassVar, Union

from fakestash._engine import rdb, rdb_module
from fakestash._engine.rdb_compact import RdbError
from fakestash._engine.values.memory import ROBJ, sds_size
from fakestash._errors import CommandError

Json = Union[None, bool, int, float, str, list[Any], dict[str, Any]]

I64_MIN = -(2**63)
I64_MAX = 2**63 - 1
U64_MAX = 2**64 - 1

UTF8_ERROR = "Couldn't parse as UTF-8 string"
#: The RedisJSON encoding version DUMP writes (RedisJSON 2.x).
JSON_ENCODING_VERSION = 3

#: serde_json's recursion limit, which RedisJSON parses arguments with ("a JSON value passed
#: to a command can have a depth of up to 128", RedisJSON docs; RedisJSON PR #784): 127
#: nested arrays/objects parse, the 128th opening bracket is "recursion limit exceeded".
MAX_DEPTH = 128
#: Strings (terminated or not, to the end) and brackets, for counting nesting depth.
_NESTING = re.compile(r'"(?:[^"\\]|\\.)*(?:"|$)|[\[\]{}]', re.DOTALL)


class JsonValue:
    """A JSON document stored at a key. ``data`` is the root value."""

    type_name: ClassVar[str] = "ReJSON-RL"
    rdb_types: ClassVar[tuple[int, ...]] = (rdb.RDB_TYPE_MODULE_2,)
    __slots__ = ("data",)

    def __init__(self, data: Json = None) -> None:
        self.data: Json = data

    def __len__(self) -> int:
        return 1  # a document never "empties": JSON keys do not vanish like collections

    def __bool__(self) -> bool:
        return True

    def copy(self) -> JsonValue:
        return JsonValue(deep_copy(self.data))

    # ---- the value protocol (fakestash/_engine/values/__init__.py) ---------------------------

    def memory_usage(self, samples: int) -> int:
        """The object plus its serialised text (RedisJSON's own accounting is not modelled)."""
        text = json.dumps(self.data, separators=(",", ":"), ensure_ascii=False)
        return ROBJ + sds_size(len(text.encode()))

    def rdb_encode(self) -> tuple[int, bytes]:
        text = dumps(self.data).encode("utf-8")
        return rdb_module.encode_module(self.type_name, JSON_ENCODING_VERSION, [text])

    @classmethod
    def rdb_decode(cls, rdb_type: int, reader: rdb.Reader) -> JsonValue:
        name, encver = rdb_module.split_module_type_id(reader.length())
        if name != cls.type_name:
            raise RdbError(f"no module type {name!r} here")  # Redis: no matching module type
        if encver not in (2, 3):
            raise RdbError(f"RedisJSON encoding version {encver} is not read")
        text = rdb_module.module_string(reader)
        if encver == 2 and rdb_module.module_unsigned(reader):
            rdb_module.module_string(reader)
            rdb_module.module_string(reader)
        rdb_module.module_eof(reader)
        try:
            return cls(parse_json(text))
        except CommandError as exc:
            raise RdbError(f"bad JSON: {exc}") from None

    def reap(self, now_ms: int) -> bool:
        return False  # a document has no members with TTLs


def deep_copy(value: Json) -> Json:
    if isinstance(value, list):
        return [deep_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: deep_copy(v) for k, v in value.items()}
    return value


# ---- reading -----------------------------------------------------------------------------


def decode_arg(raw: bytes) -> str:
    """An argument as text; RedisJSON refuses arguments that are not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CommandError(UTF8_ERROR) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Expecting value: {name}")


def _int(text: str) -> int | float:
    number = int(text)
    if I64_MIN <= number <= U64_MAX:
        return number
    return float(text)  # serde_json reads integers past u64 as f64


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise OverflowError(text)
    return value


_DECODER = json.JSONDecoder(
    parse_int=_int, parse_float=_float, parse_constant=_reject_constant, strict=True
)


def parse_json(raw: bytes) -> Json:
    """Parse one JSON text (serde_json's grammar); errors read like serde_json's."""
    text = decode_arg(raw)
    if not text.strip(" \t\n\r"):
        raise CommandError(f"EOF while parsing a value at line 1 column {len(text)}")
    too_deep = _too_deep_at(text)
    try:
        value, end = _DECODER.raw_decode(text, _skip_ws(text, 0))
    except RecursionError:  # deeper than Python's stack, so deeper than serde_json's limit
        raise CommandError(_recursion_limit(text, too_deep)) from None
    except json.JSONDecodeError as exc:
        if too_deep is not None and too_deep < exc.pos:  # serde_json stops at the first
            raise CommandError(_recursion_limit(text, too_deep)) from None
        raise CommandError(_serde_message(exc)) from None
    except OverflowError:
        raise CommandError("number out of range at line 1 column 1") from None
    except ValueError:
        raise CommandError("expected value at line 1 column 1") from None
    if too_deep is not None:
        raise CommandError(_recursion_limit(text, too_deep))
    end = _skip_ws(text, end)
    if end != len(text):
        line = text.count("\n", 0, end) + 1
        column = end - (text.rfind("\n", 0, end) + 1) + 1
        raise CommandError(f"trailing characters at line {line} column {column}")
    _check_surrogates(value)
    result: Json = value
    return result


def _too_deep_at(text: str) -> int | None:
    """Where the ``MAX_DEPTH``-th nested opening bracket is, if there is one."""
    if text.count("[") + text.count("{") < MAX_DEPTH:
        return None
    depth = 0
    for match in _NESTING.finditer(text):
        char = match.group()
        if char in ("[", "{"):
            depth += 1
            if depth == MAX_DEPTH:
                return match.start()
        elif char in ("]", "}"):
            depth -= 1
    return None


def _recursion_limit(text: str, pos: int | None) -> str:
    pos = pos or 0
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return f"recursion limit exceeded at line {line} column {column}"


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\n\r":
        pos += 1
    return pos


def _serde_message(exc: json.JSONDecodeError) -> str:
    msg = exc.msg
    if msg.startswith("Unterminated string"):
        what = "EOF while parsing a string"
    elif msg.startswith("Invalid control character"):
        what = "control character (\\u0000-\\u001F) found while parsing a string"
    elif msg.startswith("Invalid \\escape") or msg.startswith("Invalid \\uXXXX"):
        what = "invalid escape"
    elif msg.startswith("Expecting ',' delimiter") or msg.startswith("Expecting ':'"):
        what = "expected `,` or `}`" if "delimiter" not in msg else "expected `,` or `]`"
    elif msg.startswith("Expecting property name"):
        what = "key must be a string"
    else:
        what = "expected value"
    return f"{what} at line {exc.lineno} column {exc.colno}"


def _check_surrogates(value: Json) -> None:
    """serde_json refuses lone surrogate escapes (``"\\ud800"``); Python keeps them."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise CommandError("lone leading surrogate in hex escape at line 1 column 1") from None
    elif isinstance(value, list):
        for item in value:
            _check_surrogates(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_surrogates(key)
            _check_surrogates(item)


# ---- types -------------------------------------------------------------------------------


def type_of(value: Json) -> str:
    """RedisJSON's type name (JSON.TYPE): integers are ``integer``, floats ``number``."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def is_number(value: Json) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_equal(a: Json, b: Json) -> bool:
    """RedisJSON's ``is_equal``: same type and value; 1 and 1.0 differ (Long vs Double)."""
    ta, tb = type_of(a), type_of(b)
    if ta != tb:
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return len(a) == len(b) and all(k in b and json_equal(v, b[k]) for k, v in a.items())
    return a == b


# ---- writing -----------------------------------------------------------------------------


def format_float(value: float) -> str:
    """A float as serde_json writes it (ryu): shortest digits, ``1.0``, ``1e16``, ``1e-7``."""
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    exp = int(exponent) + (len(digit_tuple) - len(digits))
    sign = "-" if value < 0 else ""
    n = len(digits)
    kk = n + exp  # the position of the decimal point
    if exp >= 0 and kk <= 16:
        return f"{sign}{digits}{'0' * exp}.0"
    if 0 < kk <= 16:
        return f"{sign}{digits[:kk]}.{digits[kk:]}"
    if -5 < kk <= 0:
        return f"{sign}0.{'0' * -kk}{digits}"
    mantissa = digits if n == 1 else f"{digits[0]}.{digits[1:]}"
    return f"{sign}{mantissa}e{kk - 1}"


def _scalar(value: Json) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float(value)
    return json.dumps(value, ensure_ascii=False)


def dumps(value: Json) -> str:
    """Compact serialisation (serde_json::to_string)."""
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{_scalar(k)}:{dumps(v)}" for k, v in value.items()) + "}"
    return _scalar(value)


def dumps_formatted(value: Json, indent: str, newline: str, space: str) -> str:
    """RedisJSON's formatter: ``"{" NL IND "k":SPACE v "," NL ... NL "}"``; empty stay ``{}``."""
    out: list[str] = []
    _write_formatted(value, indent, newline, space, 0, out)
    return "".join(out)


def _write_formatted(
    value: Json, indent: str, newline: str, space: str, depth: int, out: list[str]
) -> None:
    if isinstance(value, list):
        items: list[tuple[str | None, Json]] = [(None, v) for v in value]
        brackets = "[]"
    elif isinstance(value, dict):
        items = list(value.items())
        brackets = "{}"
    else:
        out.append(_scalar(value))
        return
    out.append(brackets[0])
    if not items:
        out.append(brackets[1])
        return
    inner = indent * (depth + 1)
    for i, (key, item) in enumerate(items):
        out.append(("," if i else "") + newline + inner)
        if key is not None:
            out.append(_scalar(key) + ":" + space)
        _write_formatted(item, indent, newline, space, depth + 1, out)
    out.append(newline + indent * depth + brackets[1])


def to_bytes(text: str) -> bytes:
    return text.encode("utf-8")


