"""The data set as JSON: every key with its type, value and expiry, taken and loaded back.

``stash.snapshot()`` returns plain JSON data; ``stash.restore(data)`` replaces every
database's keys with a snapshot's (``fakestash serve --data FILE`` keeps one on disk)::

    {"fakestash_snapshot": 1,
     "databases": [{"url": "https://eu.upstash.io", "keys": [
        {"key": "greeting", "type": "string", "value": "hi", "expires_at_ms": null},
        {"key": "queue", "type": "list", "value": ["a", "b"], "expires_at_ms": 1700000060000},
        {"key": "scores", "type": "zset", "value": [["alice", 10], ["bob", "inf"]]},
        {"key": "user:1", "type": "hash", "value": [["name", "al"], ["otp", "12", 1700000030000]]},
        {"key": {"base64": "/w=="}, "type": "set", "value": ["x", {"base64": "gA=="}]},
        {"key": "doc", "type": "ReJSON-RL", "value": "{\\"a\\":1}"},
        {"key": "events", "type": "stream", "rdb": "EwEQAAAA..."}]}]}

A key, member, field or value that is UTF-8 text is a JSON string; any other bytes are
``{"base64": "..."}``. Scores are numbers (``"inf"``/``"-inf"`` for infinities); a hash
field with a TTL has its expiry (ms since the epoch) as a third item; a JSON document is its
text. Types without a readable form here (streams) are their DUMP payload in base64
(``"rdb"``), which any Redis could RESTORE. Expiry times are absolute, on the server's clock.
Only keys are kept: scripts, functions, search indexes, ACL users and CONFIG are not.

The conversions go through the engine's RDB codecs (each value type's ``rdb_encode`` and
``rdb_decode``, ``fakestash/_engine/values/``), the one serialisation every value type has, so a
snapshot round-trips exactly what DUMP and RESTORE would (with the value types the databases'
registry reads). Loading checks the whole snapshot before it touches any database.
"""

from __future__ import annotations

import math
from base64 import b64decode, b64encode
from binascii import Error as Base64Error
from typing import Any, Callable, Sequence

from fakestash._engine import rdb
from fakestash._engine.database import Database
from fakestash._engine.registry import Registry
from fakestash._engine.values import Value, type_name
from fakestash._engine.values.json import JsonValue, dumps, parse_json
from fakestash._errors import CommandError

#: The format's marker and version (the one key a snapshot must have).
MARKER = "fakestash_snapshot"
VERSION = 1

Snapshot = dict[str, Any]


class SnapshotError(ValueError):
    """A snapshot that cannot be loaded: what is wrong, and where (``databases[0].keys[3]``)."""


# ---- taking --------------------------------------------------------------------------------


def take(databases: Sequence[tuple[str, Database]]) -> Snapshot:
    """The snapshot of ``(url, database)`` pairs, in order."""
    return {
        MARKER: VERSION,
        "databases": [{"url": url, "keys": _keys_of(db)} for url, db in databases],
    }


def _keys_of(db: Database) -> list[dict[str, Any]]:
    with db.frozen_time():  # the clock read once: no key expires half-way through
        live = list(db.keys())  # purges expired keys first
        return [_entry(db, key, db.data[key]) for key in live]


def _entry(db: Database, key: bytes, value: Any) -> dict[str, Any]:
    kind = type_name(value)
    entry: dict[str, Any] = {"key": _text(key), "type": kind}
    if kind == "string":
        entry["value"] = _text(value)
    elif kind == "ReJSON-RL":
        entry["value"] = dumps(value.data)
    elif kind in _READABLE:
        payload = rdb.dump(value)
        reader = rdb.Reader(payload, 1)
        entry["value"] = _READABLE[kind](reader, payload[0])
    else:
        entry["rdb"] = b64encode(rdb.dump(value)).decode("ascii")
    entry["expires_at_ms"] = db.expiry_of(key)
    return entry


def _list(reader: rdb.Reader, rdb_type: int) -> list[Any]:
    return [_text(item) for item in reader.list_items(rdb_type)]


def _set(reader: rdb.Reader, rdb_type: int) -> list[Any]:
    return [_text(member) for member in reader.set_members(rdb_type)]


def _zset(reader: rdb.Reader, rdb_type: int) -> list[Any]:
    items = reader.zset_items(rdb_type)
    items.sort(key=lambda item: (item[1], item[0]))  # ZRANGE's order
    return [[_text(member), _score(score)] for member, score in items]


def _hash(reader: rdb.Reader, rdb_type: int) -> list[Any]:
    rows = []
    for field, value, when in reader.hash_items_with_ttls(rdb_type):
        row: list[Any] = [_text(field), _text(value)]
        if when is not None:
            row.append(when)
        rows.append(row)
    return rows


_READABLE: dict[str, Callable[[rdb.Reader, int], list[Any]]] = {
    "list": _list,
    "set": _set,
    "zset": _zset,
    "hash": _hash,
}


def _text(raw: bytes) -> Any:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": b64encode(raw).decode("ascii")}


def _score(score: float) -> Any:
    if math.isinf(score):
        return "inf" if score > 0 else "-inf"
    return int(score) if score.is_integer() and abs(score) < 2**53 else score


# ---- loading -------------------------------------------------------------------------------


Loaded = list[tuple[bytes, Any, "int | None"]]
Readers = dict[int, type[Value]]


def load(databases: Sequence[Database], snapshot: Any) -> None:
    """Replace the keys of ``databases`` (in order) with the snapshot's; a database the
    snapshot does not list is emptied. Raises ``SnapshotError`` and changes nothing if
    any part of the snapshot is wrong."""
    readers = databases[0].registry.readers if databases else None
    tables = read(snapshot, readers)
    if len(tables) > len(databases):
        raise SnapshotError(
            f"the snapshot has {len(tables)} databases; this server has {len(databases)} "
            "(add the others first: stash.add_database(...), or fakestash serve --database)"
        )
    for index, db in enumerate(databases):
        rows = tables[index] if index < len(tables) else []
        with db.frozen_time():
            db.flush()
            for key, value, when in rows:
                if when is not None and when <= db.now_ms:
                    continue  # expired while stored: gone, as after a restart of Redis
                if getattr(value, "ttls", None):
                    db.member_expiry = True  # its expired fields are dropped on access
                db.put(key, value)
                if when is not None:
                    db.expires[key] = when
            db.version += 1


def read(snapshot: Any, readers: Readers | None = None) -> list[Loaded]:
    """Check and decode a whole snapshot: each database's (key, value, expiry) rows, with the
    value types ``readers`` names by RDB object type (default: every family's)."""
    readers = Registry.default().readers if readers is None else readers
    if not isinstance(snapshot, dict) or snapshot.get(MARKER) is None:
        raise SnapshotError(f'not a fakestash snapshot: expected an object with "{MARKER}": 1')
    if snapshot[MARKER] != VERSION:
        raise SnapshotError(
            f"snapshot version {snapshot[MARKER]!r}; this fakestash reads {VERSION}"
        )
    databases = _field(snapshot, "databases", list, "snapshot")
    tables = []
    for index, table in enumerate(databases):
        where = f"databases[{index}]"
        if not isinstance(table, dict):
            raise SnapshotError(f"{where}: expected an object")
        keys = _field(table, "keys", list, where)
        rows = [_row(entry, f"{where}.keys[{i}]", readers) for i, entry in enumerate(keys)]
        tables.append(rows)
    return tables


def _row(entry: Any, where: str, readers: Readers) -> tuple[bytes, Any, int | None]:
    if not isinstance(entry, dict):
        raise SnapshotError(f"{where}: expected an object")
    key = _bytes(entry.get("key"), f"{where}.key")
    kind = _field(entry, "type", str, where)
    when = entry.get("expires_at_ms")
    if when is not None and (not isinstance(when, int) or isinstance(when, bool)):
        raise SnapshotError(f"{where}.expires_at_ms: expected an integer or null")
    try:
        value = _value(entry, kind, where, readers)
    except (rdb.RdbError, CommandError, ValueError, TypeError, KeyError, IndexError) as exc:
        if isinstance(exc, SnapshotError):
            raise
        raise SnapshotError(f"{where}: not a valid {kind} ({exc})") from None
    return key, value, when


def _value(entry: dict[str, Any], kind: str, at: str, readers: Readers) -> Any:
    if "rdb" in entry:
        where = f"{at}.rdb"
        payload = _base64(entry["rdb"], where)
        if not rdb.verify(payload):
            raise SnapshotError(f"{where}: the DUMP payload's version or checksum is wrong")
        value = rdb.load(payload, readers)
        if type_name(value) != kind:
            raise SnapshotError(f"{where}: the payload holds a {type_name(value)}, not a {kind}")
        return value
    where = f"{at}.value"
    if "value" not in entry:
        raise SnapshotError(f'{where}: missing (or "rdb")')
    data = entry["value"]
    if kind == "string":
        return _bytes(data, where)
    if kind == "ReJSON-RL":
        if not isinstance(data, str):
            raise SnapshotError(f"{where}: expected the document's JSON text")
        return JsonValue(parse_json(data.encode()))
    build = _BUILDERS.get(kind)
    if build is None:
        raise SnapshotError(f'{where}: no readable form for type {kind!r}; give its "rdb"')
    if not isinstance(data, list) or not data:
        raise SnapshotError(f"{where}: expected a non-empty list")
    rdb_type, body = build(data, where)
    return rdb.load(rdb.make_payload(rdb_type, body, rdb.MAX_READ_VERSION), readers)


def _list_body(data: list[Any], where: str) -> tuple[int, bytes]:
    return rdb.encode_list(_bytes(item, f"{where}[{i}]") for i, item in enumerate(data))


def _set_body(data: list[Any], where: str) -> tuple[int, bytes]:
    return rdb.encode_set(_bytes(item, f"{where}[{i}]") for i, item in enumerate(data))


def _zset_body(data: list[Any], where: str) -> tuple[int, bytes]:
    items = []
    for i, row in enumerate(data):
        if not isinstance(row, list) or len(row) != 2:
            raise SnapshotError(f"{where}[{i}]: expected [member, score]")
        items.append((_bytes(row[0], f"{where}[{i}][0]"), _float(row[1], f"{where}[{i}][1]")))
    return rdb.encode_zset(items)


def _hash_body(data: list[Any], where: str) -> tuple[int, bytes]:
    rows = []
    for i, row in enumerate(data):
        if not isinstance(row, list) or len(row) not in (2, 3):
            raise SnapshotError(f"{where}[{i}]: expected [field, value] or [field, value, ms]")
        when = row[2] if len(row) == 3 else None
        if when is not None and (not isinstance(when, int) or isinstance(when, bool) or when < 1):
            raise SnapshotError(f"{where}[{i}][2]: expected an expiry in ms since the epoch")
        rows.append((_bytes(row[0], f"{where}[{i}][0]"), _bytes(row[1], f"{where}[{i}][1]"), when))
    if all(when is None for _, _, when in rows):
        return rdb.encode_hash((field, value) for field, value, _ in rows)
    return rdb.encode_hash_metadata(rows)


_BUILDERS: dict[str, Callable[[list[Any], str], tuple[int, bytes]]] = {
    "list": _list_body,
    "set": _set_body,
    "zset": _zset_body,
    "hash": _hash_body,
}


def _bytes(data: Any, where: str) -> bytes:
    if isinstance(data, str):
        try:
            return data.encode("utf-8")
        except UnicodeEncodeError:
            raise SnapshotError(f"{where}: a lone surrogate is not text") from None
    if isinstance(data, dict) and set(data) == {"base64"}:
        return _base64(data["base64"], where)
    raise SnapshotError(f'{where}: expected a string or {{"base64": "..."}}')


def _base64(data: Any, where: str) -> bytes:
    if not isinstance(data, str):
        raise SnapshotError(f"{where}: expected base64 text")
    try:
        return b64decode(data, validate=True)
    except (Base64Error, ValueError):
        raise SnapshotError(f"{where}: not valid base64") from None


def _float(data: Any, where: str) -> float:
    if data in ("inf", "+inf", "-inf"):
        return float(data)
    if isinstance(data, bool) or not isinstance(data, (int, float)):
        raise SnapshotError(f'{where}: expected a number, "inf" or "-inf"')
    return float(data)


def _field(data: dict[str, Any], name: str, kind: type, where: str) -> Any:
    value = data.get(name)
    if not isinstance(value, kind):
        article = "an" if kind.__name__[0] in "aeiou" else "a"
        raise SnapshotError(f"{where}.{name}: expected {article} {kind.__name__}")
    return value
