"""Typed field values: reading a document's raw value as a schema type, and RFC 3339 dates.

A value of the wrong type is skipped for that field only (the document still indexes its
other fields). HASH fields are strings and are parsed per type (``"95"``, ``"true"``, ISO
dates); JSON and STRING documents give JSON values, read strictly (a JSON string is not a
number). Dates are kept as integer microseconds since the epoch, as Tantivy stores them.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Union

from fakestash._engine.search.schema import BOOL, DATE, F64, FACET, I64, KEYWORD, TEXT, U64

Scalar = Union[str, int, float, bool]

_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?)?\Z"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_INT = re.compile(r"[+-]?\d+\Z")


def parse_date(text: str) -> int | None:
    """Microseconds since the epoch of an RFC 3339 date-time (or a bare ``YYYY-MM-DD``)."""
    m = _DATE.match(text.strip())
    if m is None:
        return None
    year, month, day, hh, mm, ss, frac, tz = m.groups()
    try:
        stamp = datetime(
            int(year),
            int(month),
            int(day),
            int(hh or 0),
            int(mm or 0),
            int(ss or 0),
            tzinfo=timezone.utc,
        )
    except ValueError:
        return None
    if tz and tz not in ("Z", "z"):
        sign = 1 if tz[0] == "+" else -1
        stamp -= sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    micros = (stamp - _EPOCH) // timedelta(microseconds=1)
    if frac:
        micros += int((frac[1:] + "000000")[:6])
    return micros


def format_date(micros: int) -> str:
    """RFC 3339 in UTC with a ``Z`` (``2024-01-01T00:00:00Z``), fractions only if any."""
    stamp = _EPOCH + timedelta(microseconds=micros)
    text = stamp.strftime("%Y-%m-%dT%H:%M:%S")
    if stamp.microsecond:
        text += f".{stamp.microsecond:06d}".rstrip("0")
    return text + "Z"


def from_hash(kind: str, raw: str) -> Scalar | None:
    """A HASH field's string read as a schema type; None if it is not one."""
    if kind in (TEXT, KEYWORD):
        return raw
    if kind == FACET:
        return raw if raw.startswith("/") else None
    if kind == BOOL:
        low = raw.strip().lower()
        return True if low == "true" else False if low == "false" else None
    if kind == DATE:
        return parse_date(raw)
    if kind in (U64, I64):
        if _INT.match(raw.strip()) is None:
            return None
        return _int_in_range(kind, int(raw))
    try:
        number = float(raw)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


#: Types whose stream values may be a JSON array of several values (Upstash docs
#: redis/search/streams.mdx "Schema values"): not BOOL, not FACET.
_STREAM_MULTI = (TEXT, KEYWORD, U64, I64, F64, DATE)


def from_stream(kind: str, raw: str) -> list[Scalar]:
    """A stream field's string read as a schema type: empty values are omitted; for TEXT,
    KEYWORD, numbers and dates a JSON-encoded array gives each valid element."""
    if raw == "":
        return []
    if kind in _STREAM_MULTI and raw.lstrip().startswith("["):
        try:
            items = json.loads(raw)
        except ValueError:
            items = None
        if isinstance(items, list):
            found = [from_json(kind, item) for item in items]
            return [v for v in found if v is not None]
    value = from_hash(kind, raw)
    return [] if value is None else [value]


def from_json(kind: str, value: Any) -> Scalar | None:
    """A JSON value read as a schema type; None if it is not one."""
    if kind in (TEXT, KEYWORD):
        return value if isinstance(value, str) else None
    if kind == FACET:
        return value if isinstance(value, str) and value.startswith("/") else None
    if kind == BOOL:
        return value if isinstance(value, bool) else None
    if kind == DATE:
        return parse_date(value) if isinstance(value, str) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if kind == F64:
        return float(value)
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    return _int_in_range(kind, value)


def _int_in_range(kind: str, number: int) -> int | None:
    if kind == U64:
        return number if 0 <= number < 2**64 else None
    return number if -(2**63) <= number < 2**63 else None


def as_number(value: Scalar) -> float:
    """A columnar value as a double (dates as epoch milliseconds, booleans as 0/1)."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError(value)
