"""Decode a JSON request body the way Upstash's server (Go's ``encoding/json``) reads it.

What Go does, and so what this does (https://pkg.go.dev/encoding/json):

- Invalid UTF-8 inside a string is not an error: each bad byte becomes U+FFFD, and so does
  an unpaired UTF-16 surrogate escape (``"\\ud800"``). Outside strings it is a syntax error.
- ``NaN``, ``Infinity`` and ``-Infinity`` are not JSON: a syntax error (Python accepts them).
- Nesting depth is not limited by a call stack: a body nested 10^5 deep is still read, and
  what it holds decides the answer (an array as an argument is refused as usual).

Numbers keep their spelling (``1.50`` stays ``"1.50"``). The C decoder reads every
ordinary body; a body it cannot read (too deep for the stack, or a NaN to place in an
error message) goes through ``loads_iterative``, a small decoder with an explicit stack.
"""

from __future__ import annotations

import json
import re
from json.scanner import NUMBER_RE
from typing import Any, Callable, Union

from fakestash._rest.utf8 import text_of

#: The C string scanner json.loads uses (not in typeshed): (text, end of the opening quote)
#: -> (decoded string, end), raising JSONDecodeError with Python's own messages.
scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_LITERALS: tuple[tuple[str, Any], ...] = (("true", True), ("false", False), ("null", None))
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class _Refused(ValueError):
    """A NaN/Infinity constant: refused, then located by the iterative decoder."""


def _refuse(name: str) -> Any:
    raise _Refused(name)


# parse_int/parse_float keep the spelling; parse_constant refuses NaN and the infinities.
_decode_c = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=_refuse).decode


def loads(body: bytes) -> Any:
    """The JSON value of ``body``; ``ValueError`` (Python's message) if it is not JSON."""
    text = text_of(body)
    try:
        return _decode_c(text)
    except (RecursionError, _Refused):
        return loads_iterative(text)


# ---- the decoder with an explicit stack ------------------------------------------------------

Container = Union[list[Any], dict[str, Any]]


def loads_iterative(text: str) -> Any:
    """JSON with no recursion: the same values and error messages as ``json.loads`` (with
    numbers kept as text), whatever the depth; NaN and the infinities are errors."""
    stack: list[tuple[Container, str]] = []  # open containers, and an object's pending key
    pos = _skip(text, 0)
    while True:
        value, pos, opened = _scalar_or_open(text, pos)
        if opened is not None:
            stack.append(opened)
            continue
        while True:  # attach the value, then close containers as far as they end
            if not stack:
                end = _skip(text, pos)
                if end != len(text):
                    raise json.JSONDecodeError("Extra data", text, end)
                return value
            container, key = stack[-1]
            if isinstance(container, list):
                container.append(value)
            else:
                container[key] = value
            pos = _skip(text, pos)
            closer = "]" if isinstance(container, list) else "}"
            char = text[pos : pos + 1]
            if char == closer:
                stack.pop()
                value, pos = container, pos + 1
                continue
            if char != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos = _skip(text, pos + 1)
            if isinstance(container, dict):
                key, pos = _key(text, pos)
                stack[-1] = (container, key)
            break


def _scalar_or_open(text: str, pos: int) -> tuple[Any, int, tuple[Container, str] | None]:
    """The value at ``pos``: a scalar or empty container (value, end, None), or the frame of
    a container that has members (None, position of its first member, frame)."""
    char = text[pos : pos + 1]
    if char == "[":
        pos = _skip(text, pos + 1)
        if text[pos : pos + 1] == "]":
            return [], pos + 1, None
        return None, pos, ([], "")
    if char == "{":
        pos = _skip(text, pos + 1)
        if text[pos : pos + 1] == "}":
            return {}, pos + 1, None
        key, pos = _key(text, pos)
        return None, pos, ({}, key)
    if char == '"':
        string, end = scanstring(text, pos + 1)
        return string, end, None
    number = NUMBER_RE.match(text, pos)
    if number is not None:
        return number.group(0), number.end(), None
    for literal, constant in _LITERALS:
        if text.startswith(literal, pos):
            return constant, pos + len(literal), None
    raise json.JSONDecodeError("Expecting value", text, pos)


def _key(text: str, pos: int) -> tuple[str, int]:
    """An object key and its colon; returns the key and the position of its value."""
    if text[pos : pos + 1] != '"':
        raise json.JSONDecodeError(
            "Expecting property name enclosed in double quotes", text, pos
        )
    key, pos = scanstring(text, pos + 1)
    pos = _skip(text, pos)
    if text[pos : pos + 1] != ":":
        raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
    return key, _skip(text, pos + 1)


def _skip(text: str, pos: int) -> int:
    match = _WHITESPACE.match(text, pos)
    return pos if match is None else match.end()
