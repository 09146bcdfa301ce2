"""Reply values the engine returns: plain data, plus ``Status`` for simple strings."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Union


class Status(str):
    """A RESP simple string (``OK``, ``PONG``, ``QUEUED``, type names).

    A ``str``: ``stash.execute("SET", "k", "v") == "OK"`` holds. Over HTTP it is a JSON
    string (``"OK"`` stays plain in base64 mode, as Upstash sends it).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Status({str(self)!r})"


OK = Status("OK")
PONG = Status("PONG")
QUEUED = Status("QUEUED")


class ErrorReply:
    """An error as a *value*: an item of an EXEC or Lua reply, not a raised failure.

    ``text`` is the error text; over HTTP the item is ``{"error": text}``.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ErrorReply) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"ErrorReply({self.text!r})"


Reply = Union[bytes, int, None, Status, ErrorReply, list["Reply"]]


def format_double(value: float) -> bytes:
    """Render a double the way Redis 7.2+ replies with it (``d2string``).

    Integers up to 2^62 print as integers; anything else goes through fpconv's shortest
    round-trip digits with its own layout rules, e.g. ``1.5``, ``0.0001``, ``1e+20``,
    ``1.234e-7``. See redis/src/util.c ``d2string`` and ``fpconv_dtoa.c`` ``emit_digits``.
    """
    if value != value:
        return b"nan"
    if math.isinf(value):
        return b"inf" if value > 0 else b"-inf"
    if value == 0:
        return b"-0" if math.copysign(1.0, value) < 0 else b"0"
    if value.is_integer() and abs(value) < _LLONG_HALF:
        return b"%d" % int(value)
    return _emit_digits(value).encode()


_LLONG_HALF = 2**62


def _emit_digits(value: float) -> str:
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    k = int(exponent) + (len(digit_tuple) - len(digits))
    sign = "-" if value < 0 else ""
    n = len(digits)
    exp = abs(k + n - 1)
    if k >= 0 and exp < n + 7:
        return sign + digits + "0" * k
    if k < 0 and (k > -7 or exp < 4):
        offset = n + k
        if offset <= 0:
            return f"{sign}0.{'0' * -offset}{digits}"
        return f"{sign}{digits[:offset]}.{digits[offset:]}"
    mantissa = digits[0] + ("." + digits[1:] if n > 1 else "")
    return f"{sign}{mantissa}e{'-' if k + n - 1 < 0 else '+'}{exp}"
