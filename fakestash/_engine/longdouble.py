"""x87 80-bit ``long double`` arithmetic, exact, for INCRBYFLOAT and HINCRBYFLOAT.

Redis parses both operands with ``strtold``, adds them as ``long double`` (64-bit
significand on x86-64 Linux) and renders the sum "human friendly": ``%.17Lf`` with trailing
zeros and a trailing dot removed (``ld2string(..., LD_STR_HUMAN)`` in redis/src/util.c).
Python has no ``long double``, so values here are exact ``Fraction``s rounded to what the
x87 format can hold after every step, which reproduces Redis' replies bit for bit, e.g.
``10.5 + 0.1 = "10.6"`` and ``"5.0e3" + 0 = "5000"``.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Union

#: A finite value is a Fraction; infinities are floats (NaN never survives parsing).
LongDouble = Union[Fraction, float]

_SIGNIFICAND_BITS = 64
_MIN_NORMAL_EXP = -16382  # 2**-16382 is the smallest normal long double
_OVERFLOW = 1 << 16384  # the first magnitude that no longer fits
MAX_LONG_DOUBLE_CHARS = 5 * 1024  # Redis refuses longer inputs

_DECIMAL = re.compile(rb"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")
_HEX = re.compile(
    rb"([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*)|(?:\.[0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?"
)
_INF = re.compile(rb"[+-]?(?:inf|infinity)", re.IGNORECASE)


def round_to_long_double(value: Fraction) -> LongDouble:
    """Round an exact value to the nearest long double (ties to even), or to ±inf."""
    if value == 0:
        return Fraction(0)
    magnitude = abs(value)
    exp = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    if _pow2(exp) > magnitude:
        exp -= 1
    quantum_exp = max(exp, _MIN_NORMAL_EXP) - (_SIGNIFICAND_BITS - 1)
    steps = round(magnitude / _pow2(quantum_exp))  # Fraction rounds half to even
    rounded = steps * _pow2(quantum_exp)
    if rounded >= _OVERFLOW:
        return float("inf") if value > 0 else float("-inf")
    return rounded if value > 0 else -rounded


def parse_long_double(raw: bytes) -> LongDouble | None:
    """Redis' ``string2ld``: the whole input as strtold reads it, else None.

    Leading spaces, trailing bytes, NaN, overflow to ±inf and underflow to zero are all
    refused, as Redis refuses them; the literals ``inf``/``infinity`` are accepted.
    """
    if not raw or len(raw) >= MAX_LONG_DOUBLE_CHARS:
        return None
    if (match := _DECIMAL.fullmatch(raw)) is not None and (match.group(2) or match.group(3)):
        parsed = _decimal_fraction(match)
        if parsed is None:
            return None  # far out of range: strtold gives ERANGE
        exact = parsed
    elif (match := _HEX.fullmatch(raw)) is not None:
        exact = _hex_fraction(match)
    elif _INF.fullmatch(raw) is not None:
        return float("-inf") if raw.startswith(b"-") else float("inf")
    else:
        return None
    result = round_to_long_double(exact)
    if isinstance(result, float) or (result == 0 and exact != 0):
        return None  # ERANGE: overflow or underflow
    return result


def add(a: LongDouble, b: LongDouble) -> Fraction | None:
    """``a + b`` in long double; None when the sum is NaN or infinite."""
    if isinstance(a, float) or isinstance(b, float):
        return None  # any infinity in the sum makes it inf or NaN
    total = round_to_long_double(a + b)
    return total if isinstance(total, Fraction) else None


def format_long_double(value: Fraction) -> bytes:
    """``%.17Lf`` with trailing zeros (and a trailing dot) removed; ``-0`` becomes ``0``."""
    scaled = round(abs(value) * 10**17)  # glibc rounds exactly, ties to even
    whole, frac = divmod(scaled, 10**17)
    text = f"{_digits(whole)}.{frac:017d}".rstrip("0").rstrip(".")
    if value < 0 and text != "0":
        text = "-" + text
    return text.encode()


def _digits(n: int) -> str:
    """``str(n)`` for any size (long doubles reach 4933 digits, past Python's default
    int-to-str limit), without touching the interpreter-wide limit."""
    if n < 10**4000:
        return str(n)
    high, low = divmod(n, 10**4000)
    return _digits(high) + str(low).rjust(4000, "0")


def _pow2(exp: int) -> Fraction:
    return Fraction(1 << exp) if exp >= 0 else Fraction(1, 1 << -exp)


def _decimal_fraction(match: re.Match[bytes]) -> Fraction | None:
    """The exact value of a decimal literal; None if its magnitude is hopelessly out of
    range (so a huge exponent never becomes a huge power of ten)."""
    sign, whole, frac, exp = match.group(1), match.group(2), match.group(3) or b"", match.group(4)
    digits = (whole + frac).lstrip(b"0")
    if not digits:
        return Fraction(0)
    exp_digits = (exp or b"0").lstrip(b"+-").lstrip(b"0") or b"0"
    if len(exp_digits) > 7:
        return None
    exponent = int(exp_digits) * (-1 if exp and exp.startswith(b"-") else 1) - len(frac)
    magnitude = len(digits) + exponent  # the value is below 10**magnitude
    if magnitude > 4940 or magnitude < -4960:
        return None
    mantissa = _int(digits)
    if exponent >= 0:
        value = Fraction(mantissa * 10**exponent)
    else:
        value = Fraction(mantissa, 10**-exponent)
    return -value if sign == b"-" else value


def _int(digits: bytes) -> int:
    """``int(digits)`` for any length, without touching the interpreter-wide limit."""
    if len(digits) < 4000:
        return int(digits)
    return _int(digits[:-4000]) * 10**4000 + int(digits[-4000:])


def _hex_fraction(match: re.Match[bytes]) -> Fraction:
    sign, digits, exp = match.group(1), match.group(2), match.group(3)
    whole, _, frac = digits.partition(b".")
    mantissa = int((whole + frac) or b"0", 16)
    value = Fraction(mantissa) * _pow2(int(exp or b"0") - 4 * len(frac))
    return -value if sign == b"-" else value
