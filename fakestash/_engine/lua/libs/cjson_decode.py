"""lua-cjson 2.1's decoder (``cjson.decode``) as Redis ships it, without recursion.

A port of ``json_next_token`` and the object/array contexts of ``lua_cjson.c``: the same
tokens, the same error texts with the same byte positions ("Expected comma or array end
but found T_NUMBER at character 4"), numbers read as C's ``strtod`` reads them (so hex,
``inf``, ``nan``, ``1.`` and leading zeros are accepted, as in Redis), at most 1000 levels
of nesting ("Found too many nested data structures (1001) at character N"). Strings are
bytes; ``null`` is ``NULL``; numbers are floats (-0 keeps its sign).
"""

from __future__ import annotations

import math
import re
from typing import Any

MAX_DEPTH = 1000

NULL = object()

T_OBJ_BEGIN, T_OBJ_END, T_ARR_BEGIN, T_ARR_END = 0, 1, 2, 3
T_STRING, T_NUMBER, T_BOOLEAN, T_NULL, T_COLON, T_COMMA, T_END, T_ERROR = 4, 5, 6, 7, 8, 9, 10, 12
TOKEN_NAMES = (
    "T_OBJ_BEGIN",
    "T_OBJ_END",
    "T_ARR_BEGIN",
    "T_ARR_END",
    "T_STRING",
    "T_NUMBER",
    "T_BOOLEAN",
    "T_NULL",
    "T_COLON",
    "T_COMMA",
    "T_END",
    "T_WHITESPACE",
    "T_ERROR",
)
_SINGLE = {0x7B: T_OBJ_BEGIN, 0x7D: T_OBJ_END, 0x5B: T_ARR_BEGIN, 0x5D: T_ARR_END}
_SINGLE.update({0x3A: T_COLON, 0x2C: T_COMMA})
_UNKNOWN = frozenset(b'"+-0123456789fiInNt')  # ch2token T_UNKNOWN: needs a closer look
_ESCAPE2CHAR = {
    ord('"'): 0x22,
    ord("\\"): 0x5C,
    ord("/"): 0x2F,
    ord("b"): 0x08,
    ord("t"): 0x09,
    ord("n"): 0x0A,
    ord("f"): 0x0C,
    ord("r"): 0x0D,
}
_WHITESPACE = re.compile(rb"[ \t\r\n]*")
_PLAIN_STRING = re.compile(rb'"([^"\\\x00]*)"')
_PLAIN_RUN = re.compile(rb'[^"\\\x00]+')
_HEX4 = re.compile(rb"[0-9a-fA-F]{4}")
# The prefix C's strtod converts (the pointer is at '-', a digit, or i/I/n/N).
_STRTOD = re.compile(
    rb"""[-+]?(?:
        0[xX](?:[0-9a-fA-F]+(?:\.[0-9a-fA-F]*)?|\.[0-9a-fA-F]+)(?:[pP][-+]?[0-9]+)?
      | (?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?
      | [iI][nN][fF](?:[iI][nN][iI][tT][yY])?
      | [nN][aA][nN](?:\([0-9A-Za-z_]*\))?
    )""",
    re.VERBOSE,
)


class DecodeError(Exception):
    """cjson's error text (without the ``user_script:N:`` prefix)."""


def _strtod(text: bytes) -> float:
    body = text.lstrip(b"+-")
    negative = text.startswith(b"-")
    lower = body.lower()
    if lower.startswith(b"inf"):
        return -math.inf if negative else math.inf
    if lower.startswith(b"nan"):
        return math.nan
    if lower.startswith(b"0x"):
        value = float.fromhex(body.decode())
        return -value if negative else value
    return float(text)


def _skip_whitespace(data: bytes, pos: int) -> int:
    match = _WHITESPACE.match(data, pos)
    return pos if match is None else match.end()


def _utf8(codepoint: int) -> bytes:
    return chr(codepoint).encode("utf-8", "surrogatepass")


class _Tokens:
    """``json_next_token`` over the data and its C string terminator."""

    def __init__(self, data: bytes) -> None:
        self.data = data + b"\0"
        self.pos = 0

    def next(self) -> tuple[int, Any, int]:
        """(token type, value, byte index); an error's value is its text."""
        data = self.data
        pos = self.pos = _skip_whitespace(data, self.pos)
        ch = data[pos]
        single = _SINGLE.get(ch)
        if single is not None:
            self.pos = pos + 1
            return single, None, pos
        if ch == 0:
            return T_END, None, pos
        if ch not in _UNKNOWN:
            return T_ERROR, "invalid token", pos
        if ch == 0x22:
            return self._string(pos)
        if ch == 0x2D or 0x30 <= ch <= 0x39:
            return self._number(pos)
        for word, kind, value in _WORDS:
            if data.startswith(word, pos):
                self.pos = pos + len(word)
                return kind, value, pos
        if _invalid_number(data, pos):  # decode_invalid_numbers is on: '+1', inf, nan
            return self._number(pos)
        return T_ERROR, "invalid token", pos

    def _number(self, pos: int) -> tuple[int, Any, int]:
        match = _STRTOD.match(self.data, pos)
        if match is None:
            return T_ERROR, "invalid number", pos
        self.pos = match.end()
        return T_NUMBER, _strtod(match.group()), pos

    def _string(self, start: int) -> tuple[int, Any, int]:
        plain = _PLAIN_STRING.match(self.data, start)
        if plain is not None:
            self.pos = plain.end()
            return T_STRING, plain.group(1), start
        data, out, i = self.data, bytearray(), start + 1
        while True:
            run = _PLAIN_RUN.match(data, i)
            if run is not None:
                out += run.group()
                i = run.end()
            ch = data[i]
            if ch == 0x22:
                self.pos = i + 1
                return T_STRING, bytes(out), start
            if ch == 0:
                self.pos = i
                return T_ERROR, "unexpected end of string", i
            escape = data[i + 1]
            if escape == 0x75:  # \u
                decoded = _unicode_escape(data, i)
                if decoded is None:
                    self.pos = i
                    return T_ERROR, "invalid unicode escape code", i
                out += decoded[0]
                i += decoded[1]
                continue
            char = _ESCAPE2CHAR.get(escape)
            if char is None:
                self.pos = i
                return T_ERROR, "invalid escape code", i
            out.append(char)
            i += 2


_WORDS = ((b"true", T_BOOLEAN, True), (b"false", T_BOOLEAN, False), (b"null", T_NULL, NULL))


def _invalid_number(data: bytes, pos: int) -> bool:
    """``json_is_invalid_number`` for the characters that reach it (+, i, I, n, N, t, f)."""
    if data[pos] == 0x2B:
        return True
    return data[pos : pos + 3].lower() in (b"inf", b"nan")


def _unicode_escape(data: bytes, at: int) -> tuple[bytes, int] | None:
    """``json_append_unicode_escape``: (UTF-8 bytes, escape length) or None."""
    if not _HEX4.match(data, at + 2):
        return None
    codepoint = int(data[at + 2 : at + 6], 16)
    if codepoint & 0xF800 != 0xD800:
        return _utf8(codepoint), 6
    if codepoint & 0x400 or data[at + 6 : at + 8] != b"\\u" or not _HEX4.match(data, at + 8):
        return None
    low = int(data[at + 8 : at + 12], 16)
    if low & 0xFC00 != 0xDC00:
        return None
    return _utf8((((codepoint & 0x3FF) << 10) | (low & 0x3FF)) + 0x10000), 12


def _parse_error(expected: str, token: tuple[int, Any, int]) -> DecodeError:
    kind, value, index = token
    found = value if kind == T_ERROR else TOKEN_NAMES[kind]
    return DecodeError(f"Expected {expected} but found {found} at character {index + 1}")


class _Open:
    __slots__ = ("container", "is_object", "key")

    def __init__(self, is_object: bool) -> None:
        self.is_object = is_object
        self.container: Any = {} if is_object else []
        self.key: bytes = b""


def decode(data: bytes) -> Any:
    """JSON text → Python data (lists, dicts with bytes keys, bytes, floats, bools, NULL);
    raises ``DecodeError`` with cjson's text."""
    if len(data) >= 2 and (data[0] == 0 or data[1] == 0):
        raise DecodeError("JSON parser does not support UTF-16 or UTF-32")
    tokens = _Tokens(data)
    stack: list[_Open] = []
    token = tokens.next()
    while True:
        kind, value, _ = token
        if kind in (T_OBJ_BEGIN, T_ARR_BEGIN):
            if len(stack) + 1 > MAX_DEPTH:
                raise DecodeError(
                    f"Found too many nested data structures ({len(stack) + 1}) "
                    f"at character {tokens.pos}"
                )
            opened = _Open(kind == T_OBJ_BEGIN)
            token = tokens.next()
            if token[0] != (T_OBJ_END if opened.is_object else T_ARR_END):
                stack.append(opened)
                if opened.is_object:
                    token = _object_key(tokens, token, opened)
                continue
            result: Any = opened.container
        elif kind in (T_STRING, T_NUMBER, T_BOOLEAN, T_NULL):
            result = value
        else:
            raise _parse_error("value", token)
        after = _close(tokens, stack, result)
        if isinstance(after, _Done):
            return after.value
        token = after


def _object_key(tokens: _Tokens, token: tuple[int, Any, int], opened: _Open) -> Any:
    """Read ``"key" :`` and return the value's first token."""
    if token[0] != T_STRING:
        raise _parse_error("object key string", token)
    opened.key = token[1]
    token = tokens.next()
    if token[0] != T_COLON:
        raise _parse_error("colon", token)
    return tokens.next()


class _Done:
    def __init__(self, value: Any) -> None:
        self.value = value


def _close(tokens: _Tokens, stack: list[_Open], result: Any) -> Any:
    """Store a finished value in its container, closing every container that ends with
    it; return the next value's first token, or ``_Done`` at the end of the data."""
    while stack:
        top = stack[-1]
        if top.is_object:
            top.container[top.key] = result
        else:
            top.container.append(result)
        token = tokens.next()
        if token[0] == (T_OBJ_END if top.is_object else T_ARR_END):
            stack.pop()
            result = top.container
            continue
        if token[0] != T_COMMA:
            raise _parse_error(
                "comma or object end" if top.is_object else "comma or array end", token
            )
        token = tokens.next()
        return _object_key(tokens, token, top) if top.is_object else token
    token = tokens.next()
    if token[0] != T_END:
        raise _parse_error("the end", token)
    return _Done(result)
