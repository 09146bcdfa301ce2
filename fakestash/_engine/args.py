"""Argument parsing with Redis' exact rules and error texts (string2ll, strtod…)."""

from __future__ import annotations

import math
import re
from typing import Any, Sequence

from fakestash._errors import NOT_FLOAT, NOT_INTEGER, SYNTAX, CommandError

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_INT = re.compile(rb"-?[1-9][0-9]*|0")
_FLOAT = re.compile(
    rb"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity)",
    re.IGNORECASE,
)
_HEX_FLOAT = re.compile(rb"[+-]?0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*(?:[pP][+-]?[0-9]+)?")


def is_int(raw: bytes) -> bool:
    """Redis' ``string2ll``: no sign but '-', no leading zeros, no spaces, 64-bit."""
    if len(raw) > 20 or _INT.fullmatch(raw) is None:
        return False
    return INT64_MIN <= int(raw) <= INT64_MAX


def parse_int(raw: bytes, error: str = NOT_INTEGER) -> int:
    if len(raw) > 20 or _INT.fullmatch(raw) is None:
        raise CommandError(error)
    value = int(raw)
    if not INT64_MIN <= value <= INT64_MAX:
        raise CommandError(error)
    return value


def parse_float(raw: bytes, error: str = NOT_FLOAT, *, allow_nan: bool = False) -> float:
    """Redis' ``string2d``: what strtod takes, whole, with no leading space and no NaN."""
    if _FLOAT.fullmatch(raw) is not None:
        value = float(raw)
    elif _HEX_FLOAT.fullmatch(raw) is not None and any(
        c in b"0123456789abcdefABCDEF" for c in raw[2:]
    ):
        try:
            value = float.fromhex(raw.decode())
        except ValueError:
            raise CommandError(error) from None
    else:
        raise CommandError(error)
    if math.isnan(value) and not allow_nan:
        raise CommandError(error)
    return value


def parse_positive_int(
    raw: bytes, error: str = "ERR value is out of range, must be positive"
) -> int:
    value = parse_int(raw)
    if value <= 0:
        raise CommandError(error)
    return value


def parse_nonnegative(
    raw: bytes, error: str = "ERR value is out of range, must be positive"
) -> int:
    value = parse_int(raw)
    if value < 0:
        raise CommandError(error)
    return value


def keyword(raw: bytes) -> bytes:
    """An option word, upper-cased for comparison (``ex`` → ``EX``)."""
    return raw.upper()


class ArgReader:
    """Walks option lists like ``EX 10 NX GET`` with Redis' syntax-error behaviour."""

    def __init__(self, args: Sequence[bytes], start: int = 0) -> None:
        self.args = args
        self.pos = start

    def __bool__(self) -> bool:
        return self.pos < len(self.args)

    def next_word(self) -> bytes:
        word = self.args[self.pos].upper()
        self.pos += 1
        return word

    def value(self) -> bytes:
        """The argument after an option; a missing one is a syntax error."""
        if self.pos >= len(self.args):
            raise CommandError(SYNTAX)
        raw = self.args[self.pos]
        self.pos += 1
        return raw

    def int_value(self, error: str = NOT_INTEGER) -> int:
        return parse_int(self.value(), error)

    def rest(self) -> Sequence[bytes]:
        return self.args[self.pos :]


def to_arg(value: Any) -> bytes:
    """A Python value as a command argument: bytes as they are; str as UTF-8; numbers as
    their decimal text."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bool):
        return b"1" if value else b"0"
    if isinstance(value, (int, float)):
        return repr(value).encode() if isinstance(value, float) else str(value).encode()
    raise TypeError(f"cannot send {type(value).__name__} as a Redis argument")
