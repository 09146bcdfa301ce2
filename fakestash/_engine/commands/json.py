"""JSON commands (RedisJSON 2.x as Upstash offers them): JSON.SET … JSON.RESP.

Behaviour, reply shapes and error texts follow RedisJSON's ``redis_json/src/commands.rs``,
``key_value.rs`` and ``ivalue_manager.rs`` (2.6-era sources): a JSONPath (``$…``) argument
replies with one entry per match (``null`` where a match has the wrong type); a legacy path
replies with a single value and errors when nothing matches. Error texts are RedisJSON's own,
byte for byte, including its few without an ``ERR`` prefix (``Err wrong static path``,
``result is not a number``, ``Couldn't parse as integer``) and the *fixed* path (``$.a``)
most "does not exist" errors quote even for a legacy ``.a`` argument. A JSON command on a key
of another type fails with redis-module-rs's ``Existing key has wrong Redis type``.

Writes take the two shapes in one place (``_write``). Reads branch on the path kind in each
command, because RedisJSON's legacy rules differ per command (a missing key is nil for some
and an error for others; a wrong type is nil, "not an object" or "expected … but found …").
"""

from __future__ import annotations

import functools
import json as _json
from typing import Callable

from fakestash._engine.database import Database
from fakestash._engine.family import Family
from fakestash._engine.json_path import (
    Concrete,
    Index,
    Key,
    Path,
    parse_path,
    resolve,
    select,
)
from fakestash._engine.keyspec import key_at, key_range
from fakestash._engine.notify import MODULE, emit
from fakestash._engine.replies import OK, Reply, Status, format_double
from fakestash._engine.values.json import (
    I64_MAX,
    I64_MIN,
    Json,
    JsonValue,
    decode_arg,
    deep_copy,
    dumps,
    dumps_formatted,
    is_number,
    json_equal,
    parse_json,
    to_bytes,
    type_of,
)
from fakestash._errors import SYNTAX, CommandError, WrongArity

FAMILY = Family("json", group="json", values=[JsonValue])

WRONG_REDIS_TYPE = "Existing key has wrong Redis type"
NO_KEY = "ERR could not perform this operation on a key that doesn't exist"
AT_ROOT = "ERR new objects must be created at the root"
STATIC_PATH = "Err wrong static path"
#: Upstash: JSON.SET under a parent that does not exist fails (RedisJSON 2.x replies nil).
#: Upstash's text is not published; this is RedisJSON 1.x's for the same case
#: (deviations.py "json-set-missing-parent").
MISSING_PARENT = "ERR missing key at non-terminal path level"
INDEX_RANGE = "ERR array index out of range"
OUT_OF_BOUNDS = "ERR index out of bounds"
NOT_INTEGER = "Couldn't parse as integer"
NOT_A_NUMBER = "result is not a number"
BAD_NUMBER = "bad input number"
REPLY_FORMAT = "ERR wrong reply format"
FORMAT_RESP2 = "ERR FORMAT argument is not supported on RESP2"

LEGACY_ROOT = "."


def _missing(path: str) -> str:
    return f"ERR Path '{path}' does not exist"


def _missing_or(path: str, what: str) -> str:
    return f"ERR Path '{path}' does not exist or {what}"


def _expected(expected: str, found: str) -> str:
    return f"WRONGTYPE wrong type of path value - expected {expected} but found {found}"


# ---- keys and arguments ------------------------------------------------------------------


def _doc(db: Database, key: bytes) -> JsonValue | None:
    value = db.lookup(key)
    if value is None or type(value) is JsonValue:
        return value
    raise CommandError(WRONG_REDIS_TYPE)


def _existing(db: Database, key: bytes) -> JsonValue:
    doc = _doc(db, key)
    if doc is None:
        raise CommandError(NO_KEY)
    return doc


# ---- keyspace notifications: RedisJSON's module events ("json.set"…), sent when a command
# changed the document, as RedisJSON does (class "d" of notify-keyspace-events).

Handler = Callable[[Database, list[bytes]], Reply]


def _changed(reply: Reply, array_text: bool) -> bool:
    """Did a write command change anything? OK, a positive count, or a per-match reply
    with at least one non-null entry (a list; for NUMINCRBY/NUMMULTBY a JSON array text)."""
    if reply is None:
        return False
    if isinstance(reply, int):
        return reply > 0
    if isinstance(reply, list):
        return any(item is not None for item in reply)
    if array_text and isinstance(reply, bytes) and reply.startswith(b"["):
        return any(item is not None for item in _json.loads(reply))
    return True


def _notifying(event: bytes, array_text: bool = False) -> Callable[[Handler], Handler]:
    """Publish ``event`` about the key (``args[0]``) when the command changed it."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def run(db: Database, args: list[bytes]) -> Reply:
            reply = handler(db, args)
            if db.notify_flags and _changed(reply, array_text):
                emit(db, MODULE, event, args[0])
            return reply

        return run

    return wrap


def _path(raw: bytes) -> Path:
    return parse_path(decode_arg(raw))


def _opt_path(args: list[bytes], at: int) -> Path:
    return _path(args[at]) if len(args) > at else parse_path(LEGACY_ROOT)


def _int_arg(raw: bytes) -> int:
    text = raw.decode("ascii", "replace")
    try:
        value = int(text)
    except ValueError:
        raise CommandError(NOT_INTEGER) from None
    if not I64_MIN <= value <= I64_MAX or text.strip() != text or text.startswith("+"):
        raise CommandError(NOT_INTEGER)
    return value


def _text(value: str) -> bytes:
    return to_bytes(value)


def _ser(value: Json) -> bytes:
    return to_bytes(dumps(value))


# ---- writing at concrete paths -----------------------------------------------------------


def _replace(doc: JsonValue, where: Concrete, value: Json) -> bool:
    """Put ``value`` at an existing concrete path; False if the path is gone."""
    if not where:
        doc.data = value
        return True
    found, parent = resolve(doc.data, where[:-1])
    last = where[-1]
    if found and isinstance(parent, dict) and isinstance(last, str) and last in parent:
        parent[last] = value
        return True
    if found and isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        parent[last] = value
        return True
    return False


def _remove(doc: JsonValue, where: Concrete) -> bool:
    found, parent = resolve(doc.data, where[:-1])
    last = where[-1]
    if found and isinstance(parent, dict) and isinstance(last, str) and last in parent:
        del parent[last]
        return True
    if found and isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        del parent[last]
        return True
    return False


def _matches(doc: JsonValue, path: Path) -> list[tuple[Json, Concrete]]:
    return select(doc.data, path)


# JSON.SET / JSON.MERGE / JSON.MSET plans: ("set", where) replaces an existing value,
# ("add", parent, key) adds a key to an object (key_value.rs find_paths / find_add_paths).
Plan = tuple[str, Concrete, str]

NX, XX, MERGE = "nx", "xx", "merge"


def _plan(
    doc: JsonValue, path: Path, option: str | None, strict_parent: bool = False
) -> list[Plan]:
    """What a write at ``path`` does; ``strict_parent``: a missing parent is an error."""
    if option != NX:
        found = [("set", where, "") for _, where in _matches(doc, path)]
        if found:
            return found
    if option == XX:
        return []
    if not path.is_static:
        raise CommandError(STATIC_PATH)
    last = path.selectors[-1]
    if isinstance(last, Key):
        parent = Path(path.original, path.fixed, path.legacy, path.selectors[:-1])
        parents = _matches(doc, parent)
        if strict_parent and not parents:
            raise CommandError(MISSING_PARENT)
        return [("add", where, last.name) for _, where in parents]
    assert isinstance(last, Index)
    if not _matches(doc, path):
        raise CommandError(INDEX_RANGE)
    return []


def _apply_plans(doc: JsonValue, plans: list[Plan], value: Json, merge: bool = False) -> bool:
    updated = False
    for i, (kind, where, key) in enumerate(plans):
        item = value if i == len(plans) - 1 else deep_copy(value)
        if kind == "set":
            if merge:
                found, current = resolve(doc.data, where)
                if found:
                    updated = _replace(doc, where, _merge(current, item)) or updated
            else:
                updated = _replace(doc, where, item) or updated
        else:
            found, parent = resolve(doc.data, where)
            if found and isinstance(parent, dict) and key not in parent:
                parent[key] = item
                updated = True
    return updated


def _merge(target: Json, patch: Json) -> Json:
    """RFC 7386 merge patch (ivalue_manager.rs ``merge``): null members delete."""
    if not isinstance(patch, dict):
        return patch
    result = target if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = _merge(result.get(key), value)
    return result


# ---- JSON.SET / GET / DEL / MGET / MSET / MERGE ------------------------------------------


@FAMILY.command("json.set", -4, "write", keys=[key_at(1, "RW access update")])
@_notifying(b"json.set")
def json_set(db: Database, args: list[bytes]) -> Reply:
    """Set the JSON value at a path (NX / XX); OK, or nil when nothing was set."""
    key, path = args[0], _path(args[1])
    option: str | None = None
    rest = iter(args[3:])
    for raw in rest:
        word = decode_arg(raw).upper()
        if word == "NX" and option is None:
            option = NX
        elif word == "XX" and option is None:
            option = XX
        elif word == "FORMAT":
            _format_arg(next(rest, None), "json.set")
        else:
            raise CommandError(SYNTAX)
    doc = _doc(db, key)
    value = parse_json(args[2])
    if doc is None:
        if option == XX:
            return None
        if not path.is_root:
            raise CommandError(AT_ROOT)
        db.put(key, JsonValue(value))
        return OK
    if path.is_root:
        if option == NX:
            return None
        doc.data = value
        return OK
    plans = _plan(doc, path, option, strict_parent=True)
    return OK if plans and _apply_plans(doc, plans, value) else None


def _format_arg(raw: bytes | None, name: str) -> None:
    if raw is None:
        raise WrongArity(name)
    if decode_arg(raw).upper() not in ("JSON", "STRING"):
        raise CommandError("ERR wrong format")


_GET_WORDS = ("INDENT", "NEWLINE", "SPACE")


@FAMILY.command("json.get", -2, "readonly", keys=[key_at(1, "RO access")])
def json_get(db: Database, args: list[bytes]) -> Reply:
    """The JSON at one or more paths (INDENT / NEWLINE / SPACE formatting); nil if no key."""
    layout: dict[str, str] = {}
    paths: list[bytes] = []
    i = 1
    while i < len(args):
        word = decode_arg(args[i])
        upper = word.upper() if len(word) <= 8 else ""
        if upper in _GET_WORDS:
            if i + 1 >= len(args):
                raise WrongArity("json.get")
            layout[upper] = decode_arg(args[i + 1])
            i += 2
        elif upper == "FORMAT":
            if not paths:
                raise CommandError(FORMAT_RESP2)
            if i + 1 >= len(args):
                raise WrongArity("json.get")
            if decode_arg(args[i + 1]).upper() not in ("STRING", "EXPAND1", "EXPAND"):
                raise CommandError(REPLY_FORMAT)
            i += 2
        elif upper == "NOESCAPE":
            i += 1
        else:
            paths.append(args[i])
            i += 1
    doc = _doc(db, args[0])
    if doc is None:
        return None

    def render(value: Json) -> bytes:
        if not layout:
            return _ser(value)
        return to_bytes(
            dumps_formatted(
                value, layout.get("INDENT", ""), layout.get("NEWLINE", ""), layout.get("SPACE", "")
            )
        )

    parsed = [_path(p) for p in paths] or [parse_path(LEGACY_ROOT)]
    legacy = all(p.legacy for p in parsed)
    if len(parsed) == 1:
        path = parsed[0]
        values = [v for v, _ in _matches(doc, path)]
        if not legacy:
            return render(values)
        if not values:
            raise CommandError(_missing(path.fixed))
        return render(values[0])
    out: dict[str, Json] = {}
    for path in parsed:
        values = [v for v, _ in _matches(doc, path)]
        if legacy and not values:
            raise CommandError(_missing(path.original))
        out.setdefault(path.original, values[0] if legacy else values)
    return render(out)


@FAMILY.command("json.del", -2, "write", keys=[key_at(1, "RW access update")])
@_notifying(b"json.del")
def json_del(db: Database, args: list[bytes]) -> Reply:
    """Delete the values at a path (the whole key for the root); how many were deleted."""
    path = _opt_path(args, 1)
    doc = _doc(db, args[0])
    if doc is None:
        return 0
    if path.is_root:
        db.delete(args[0])
        return 1
    deleted = 0
    for where in _for_deleting([w for _, w in _matches(doc, path)]):
        deleted += _remove(doc, where)
    return deleted


@FAMILY.command("json.forget", -2, "write", keys=[key_at(1, "RW access update")])
def json_forget(db: Database, args: list[bytes]) -> Reply:
    """Alias of JSON.DEL."""
    return json_del(db, args)


def _for_deleting(paths: list[Concrete]) -> list[Concrete]:
    """commands.rs ``prepare_paths_for_updating``: higher indexes first, and a path inside
    another matched path is dropped (its ancestor goes anyway)."""
    unique = list(dict.fromkeys(paths))
    kept = [p for p in unique if not any(len(q) < len(p) and p[: len(q)] == q for q in unique)]
    return sorted(kept, key=_delete_order)


def _delete_order(path: Concrete) -> tuple[tuple[int, str, int], ...]:
    # Keys before indexes, keys by name, indexes high to low; longer paths first on ties.
    return (
        *tuple((0, step, 0) if isinstance(step, str) else (1, "", -step) for step in path),
        (2, "", 0),
    )


@FAMILY.command("json.mget", -3, "readonly", keys=[key_range(1, "RO access", last=-2)])
def json_mget(db: Database, args: list[bytes]) -> Reply:
    """The JSON at one path of many keys; nil for a missing key, a wrong type or no match."""
    path = _path(args[-1])
    out: list[Reply] = []
    for key in args[:-1]:
        value = db.lookup(key)
        if type(value) is not JsonValue:
            out.append(None)
            continue
        values = [v for v, _ in _matches(value, path)]
        if not path.legacy:
            out.append(_ser(values))
        else:
            out.append(_ser(values[0]) if values else None)
    return out


@FAMILY.command("json.mset", -4, "write", keys=[key_range(1, "RW access update", step=3)])
def json_mset(db: Database, args: list[bytes]) -> Reply:
    """Set paths in many keys at once: every triple is checked before any is applied."""
    if len(args) % 3:
        raise WrongArity("json.mset")
    actions: list[tuple[bytes, Path, list[Plan] | None, Json]] = []
    for i in range(0, len(args), 3):
        key, path = args[i], _path(args[i + 1])
        doc = _doc(db, key)
        plans: list[Plan] | None = None
        if not path.is_root:
            if doc is None:
                raise CommandError(AT_ROOT)
            plans = _plan(doc, path, None)
        actions.append((key, path, plans, parse_json(args[i + 2])))
    for key, _, plans, value in actions:
        if plans is None:
            db.put(key, JsonValue(value), keep_ttl=db.lookup(key) is not None)
        else:
            doc = _doc(db, key)
            if doc is None or not _apply_plans(doc, plans, value):
                continue
        if db.notify_flags:
            emit(db, MODULE, b"json.mset", key)
    return OK


@FAMILY.command("json.merge", -4, "write", keys=[key_at(1, "RW access update")])
@_notifying(b"json.merge")
def json_merge(db: Database, args: list[bytes]) -> Reply:
    """Merge a JSON value into a path (RFC 7386: null deletes); OK, or nil if no match."""
    key, path = args[0], _path(args[1])
    rest = iter(args[3:])
    for raw in rest:
        if decode_arg(raw).upper() != "FORMAT":
            raise CommandError(SYNTAX)
        _format_arg(next(rest, None), "json.merge")
    doc = _doc(db, key)
    value = parse_json(args[2])
    if doc is None:
        if not path.is_root:
            raise CommandError(AT_ROOT)
        db.put(key, JsonValue(value))
        return OK
    if path.is_root:
        doc.data = _merge(doc.data, value)
        return OK
    plans = _plan(doc, path, MERGE)
    return OK if plans and _apply_plans(doc, plans, value, merge=True) else None


# ---- JSON.TYPE / RESP / STRLEN / OBJKEYS / OBJLEN ----------------------------------------


@FAMILY.command("json.type", -2, "readonly", keys=[key_at(1, "RO access")])
def json_type(db: Database, args: list[bytes]) -> Reply:
    """The type of the value at a path (``object``, ``integer``…); nil when missing."""
    path = _opt_path(args, 1)
    doc = _doc(db, args[0])
    if doc is None:
        return None
    types = [_text(type_of(v)) for v, _ in _matches(doc, path)]
    if not path.legacy:
        return list(types)
    return types[0] if types else None


@FAMILY.command("json.resp", -2, "readonly", keys=[key_at(1, "RO access")])
def json_resp(db: Database, args: list[bytes]) -> Reply:
    """The value at a path in Redis' own reply types (``[`` / ``{`` lead arrays and objects)."""
    path = _opt_path(args, 1)
    doc = _doc(db, args[0])
    if doc is None:
        return None
    values = [v for v, _ in _matches(doc, path)]
    if not path.legacy:
        return [_resp(v) for v in values]
    if not values:
        raise CommandError(_missing(path.fixed))
    return _resp(values[0])


def _resp(value: Json) -> Reply:
    if value is None:
        return None
    if value is True or value is False:
        return Status("true" if value else "false")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        return [Status("["), *(_resp(v) for v in value)]
    out: list[Reply] = [Status("{")]
    for key, item in value.items():
        out += [_text(key), _resp(item)]
    return out


@FAMILY.command("json.strlen", -2, "readonly", keys=[key_at(1, "RO access")])
def json_strlen(db: Database, args: list[bytes]) -> Reply:
    """The UTF-8 byte length of the string at a path."""
    path = _opt_path(args, 1)
    if not path.legacy:
        doc = _existing(db, args[0])
        return [len(v.encode()) if isinstance(v, str) else None for v, _ in _matches(doc, path)]
    found = _doc(db, args[0])
    if found is None:
        return None
    first = _first(found, path)
    if not isinstance(first, str):
        raise CommandError(_expected("string", type_of(first)))
    return len(first.encode())


def _first(doc: JsonValue, path: Path) -> Json:
    """key_value.rs ``get_first``: the first match, or "Path '<fixed>' does not exist"."""
    matches = _matches(doc, path)
    if not matches:
        raise CommandError(_missing(path.fixed))
    return matches[0][0]


@FAMILY.command("json.objkeys", -2, "readonly", keys=[key_at(1, "RO access")])
def json_objkeys(db: Database, args: list[bytes]) -> Reply:
    """The keys of the object at a path."""
    path = _opt_path(args, 1)
    if not path.legacy:
        doc = _existing(db, args[0])
        return [_keys(v) if isinstance(v, dict) else None for v, _ in _matches(doc, path)]
    found = _doc(db, args[0])
    if found is None:
        return None
    matches = _matches(found, path)
    if not matches:
        return None
    first = matches[0][0]
    if not isinstance(first, dict):
        raise CommandError(_missing_or(path.fixed, "not an object"))
    return _keys(first)


def _keys(value: dict[str, Json]) -> Reply:
    return [_text(k) for k in value]


@FAMILY.command("json.objlen", -2, "readonly", keys=[key_at(1, "RO access")])
def json_objlen(db: Database, args: list[bytes]) -> Reply:
    """The number of keys of the object at a path."""
    path = _opt_path(args, 1)
    found = _doc(db, args[0])
    if not path.legacy:
        if found is None:
            raise CommandError(_missing_or(path.fixed, "not an object"))
        return [len(v) if isinstance(v, dict) else None for v, _ in _matches(found, path)]
    if found is None:
        return None
    matches = _matches(found, path)
    if not matches:
        return None
    first = matches[0][0]
    if not isinstance(first, dict):
        raise CommandError(_expected("object", type_of(first)))
    return len(first)


# ---- arrays ------------------------------------------------------------------------------

# One update of a write command: (value at the path, concrete path) → the per-path reply.
Update = Callable[[Json, Concrete], Reply]


def _write(
    doc: JsonValue,
    path: Path,
    accept: Callable[[Json], bool],
    update: Update,
    missing: str,
    *,
    each_reply: Callable[[list[Reply]], Reply] = list,
    legacy_reply: Callable[[Reply], Reply] = lambda last: last,
) -> Reply:
    """Every write at a path, in RedisJSON's two shapes (the one place they differ for
    writes): a JSONPath gets one reply per match, nil where the value is not of the accepted
    type (``each_reply`` shapes the list); a legacy path updates every accepted match and
    answers the last one's reply (through ``legacy_reply``), or fails with ``missing`` when
    there is none."""
    matches = _matches(doc, path)
    if not path.legacy:
        return each_reply([update(v, w) if accept(v) else None for v, w in matches])
    targets = [(v, w) for v, w in matches if accept(v)]
    if not targets:
        raise CommandError(missing)
    reply: Reply = None
    for value, where in targets:
        reply = update(value, where)
    return legacy_reply(reply)


def _is_array(value: Json) -> bool:
    return isinstance(value, list)


@FAMILY.command("json.arrappend", -4, "write", keys=[key_at(1, "RW access update")])
@_notifying(b"json.arrappend")
def json_arrappend(db: Database, args: list[bytes]) -> Reply:
    """Append JSON values to the array at a path; the new length."""
    path = _path(args[1])
    values = [parse_json(raw) for raw in args[2:]]
    doc = _existing(db, args[0])

    def append(array: Json, _: Concrete) -> Reply:
        assert isinstance(array, list)
        array.extend(deep_copy(v) for v in values)
        return len(array)

    return _write(doc, path, _is_array, append, _missing_or(path.original, "not an array"))


@FAMILY.command("json.arrindex", -4, "readonly", keys=[key_at(1, "RO access")])
def json_arrindex(db: Database, args: list[bytes]) -> Reply:
    """The first index of a JSON value in the array at a path, in [start, stop); -1 if absent."""
    if len(args) > 5:
        raise WrongArity("json.arrindex")
    path = _path(args[1])
    start = _int_arg(args[3]) if len(args) > 3 else 0
    stop = _int_arg(args[4]) if len(args) > 4 else 0
    found = _doc(db, args[0])
    wanted = parse_json(args[2])
    if found is None:
        raise CommandError(_missing(path.original))
    if not path.legacy:
        return [_index_of(v, wanted, start, stop) for v, _ in _matches(found, path)]
    first = _first(found, path)
    if not isinstance(first, list):
        raise CommandError(_expected("array", type_of(first)))
    return _index_of(first, wanted, start, stop)


def _index_of(array: Json, wanted: Json, start: int, stop: int) -> Reply:
    """key_value.rs ``arr_first_index_single`` with redisjson.rs ``normalize_arr_indices``."""
    if not isinstance(array, list):
        return None
    n = len(array)
    if n == 0:
        return -1
    start = max(0, n + start) if start < 0 else min(start, n - 1)
    if stop == 0:
        stop = n
    elif stop < 0:
        stop = max(0, n + stop)
    else:
        stop = min(stop, n)
    for i in range(start, stop):
        if json_equal(array[i], wanted):
            return i
    return -1


@FAMILY.command("json.arrinsert", -5, "write", keys=[key_at(1, "RW access update")])
@_notifying(b"json.arrinsert")
def json_arrinsert(db: Database, args: list[bytes]) -> Reply:
    """Insert JSON values before an index of the array at a path; the new length."""
    path = _path(args[1])
    index = _int_arg(args[2])
    values = [parse_json(raw) for raw in args[3:]]
    doc = _existing(db, args[0])

    def insert(array: Json, _: Concrete) -> Reply:
        assert isinstance(array, list)
        at = index + len(array) if index < 0 else index
        if not 0 <= at <= len(array):
            raise CommandError(OUT_OF_BOUNDS)
        array[at:at] = [deep_copy(v) for v in values]
        return len(array)

    return _write(doc, path, _is_array, insert, _missing_or(path.fixed, "not an array"))


@FAMILY.command("json.arrlen", -2, "readonly", keys=[key_at(1, "RO access")])
def json_arrlen(db: Database, args: list[bytes]) -> Reply:
    """The length of the array at a path."""
    path = _opt_path(args, 1)
    if not path.legacy:
        doc = _existing(db, args[0])
        return [len(v) if isinstance(v, list) else None for v, _ in _matches(doc, path)]
    found = _doc(db, args[0])
    if found is None:
        return None
    matches = _matches(found, path)
    if not matches or not isinstance(matches[0][0], list):
        raise CommandError(_missing_or(path.original, "not an array"))
    return len(matches[0][0])


@FAMILY.command("json.arrpop", -2, "write", keys=[key_at(1, "RW access update")])
@_notifying(b"json.arrpop")
def json_arrpop(db: Database, args: list[bytes]) -> Reply:
    """Remove and return (as JSON text) the element at an index (default last) of an array."""
    rest = args[1:]
    if len(rest) >= 2 and decode_arg(rest[0]).upper() == "FORMAT":
        fmt = decode_arg(rest[1]).upper()
        if fmt not in ("STRING", "STRINGS", "EXPAND1", "EXPAND"):
            raise CommandError(REPLY_FORMAT)
        raise CommandError(REPLY_FORMAT if fmt == "STRING" else FORMAT_RESP2)
    if not rest:
        path, index = parse_path(LEGACY_ROOT), I64_MAX
    else:
        path = _path(rest[0])
        index = -1
        if len(rest) > 1:
            try:
                index = _int_arg(rest[1])
            except CommandError:
                index = -1  # commands.rs: args.next_i64().unwrap_or(-1)
    doc = _existing(db, args[0])

    def pop(array: Json, _: Concrete) -> Reply:
        assert isinstance(array, list)
        if not array:
            return None
        n = len(array)
        at = max(0, n + index) if index < 0 else min(index, n - 1)
        return _ser(array.pop(at))

    return _write(doc, path, _is_array, pop, _missing_or(path.fixed, "not an array"))


@FAMILY.command("json.arrtrim", 5, "write", keys=[key_at(1, "RW access update")])
@_notifying(b"json.arrtrim")
def json_arrtrim(db: Database, args: list[bytes]) -> Reply:
    """Keep only [start, stop] (inclusive) of the array at a path; the new length."""
    path = _path(args[1])
    start, stop = _int_arg(args[2]), _int_arg(args[3])
    doc = _existing(db, args[0])

    def trim(array: Json, _: Concrete) -> Reply:
        assert isinstance(array, list)
        n = len(array)
        end = _normalize(stop, n)
        begin = _normalize(start, n) if start < 0 or start < n else end + 1
        if begin > end or n == 0:
            array.clear()
        else:
            array[:] = array[begin : end + 1]
        return len(array)

    return _write(doc, path, _is_array, trim, _missing_or(path.fixed, "not an array"))


def _normalize(index: int, n: int) -> int:
    return min(index, n - 1) if index >= 0 else max(0, n + index)


# ---- strings, numbers, booleans, CLEAR ---------------------------------------------------


@FAMILY.command("json.strappend", -3, "write", keys=[key_at(1, "RW access update")])
@_notifying(b"json.strappend")
def json_strappend(db: Database, args: list[bytes]) -> Reply:
    """Append a JSON string to the string at a path; the new UTF-8 byte length."""
    if len(args) > 2:
        path, raw = _path(args[1]), args[2]
    else:
        path, raw = parse_path(LEGACY_ROOT), args[1]
    doc = _existing(db, args[0])

    def append(value: Json, where: Concrete) -> Reply:
        suffix = parse_json(raw)
        if not isinstance(suffix, str):
            raise CommandError(_expected("string", decode_arg(raw)))
        assert isinstance(value, str)
        _replace(doc, where, value + suffix)
        return len((value + suffix).encode())

    def accept(value: Json) -> bool:
        return isinstance(value, str)

    return _write(doc, path, accept, append, _missing_or(path.fixed, "not a string"))


def _num_op(
    db: Database,
    args: list[bytes],
    int_op: Callable[[int, int], int],
    float_op: Callable[[float, float], float],
) -> Reply:
    path = _path(args[1])
    raw = args[2]
    doc = _existing(db, args[0])

    def update(value: Json, where: Concrete) -> Reply:
        by = parse_json(raw)
        if not is_number(by):
            raise CommandError(BAD_NUMBER)
        assert isinstance(by, (int, float)) and isinstance(value, (int, float))
        result: int | float
        if isinstance(value, int) and isinstance(by, int) and _is_i64(value) and _is_i64(by):
            result = _wrap64(int_op(value, by))
        else:
            result = float_op(float(value), float(by))
            if result != result or result in (float("inf"), float("-inf")):
                raise CommandError(NOT_A_NUMBER)
        _replace(doc, where, result)
        return to_bytes(dumps(result))

    def as_array(results: list[Reply]) -> Reply:  # JSONPath: one JSON array text
        return to_bytes("[" + ",".join("null" if r is None else _decoded(r) for r in results) + "]")

    missing = _missing_or(path.fixed, "does not contains a number")
    return _write(doc, path, is_number, update, missing, each_reply=as_array)


def _decoded(reply: Reply) -> str:
    assert isinstance(reply, bytes)
    return reply.decode()


def _is_i64(value: int) -> bool:
    return I64_MIN <= value <= I64_MAX


def _wrap64(value: int) -> int:
    """i64 wrapping arithmetic (ivalue_manager.rs uses ``i64::wrapping_add``/``wrapping_mul``)."""
    return (value + 2**63) % 2**64 - 2**63


@FAMILY.command("json.numincrby", 4, "write", keys=[key_at(1, "RW access update")])
@_notifying(b"json.numincrby", array_text=True)
def json_numincrby(db: Database, args: list[bytes]) -> Reply:
    """Add to the number at a path; the new value(s) as JSON text."""
    return _num_op(db, args, lambda a, b: a + b, lambda a, b: a + b)


@FAMILY.command("json.nummultby", 4, "write", keys=[key_at(1, "RW access update")])
@_notifying(b"json.nummultby", array_text=True)
def json_nummultby(db: Database, args: list[bytes]) -> Reply:
    """Multiply the number at a path; the new value(s) as JSON text."""
    return _num_op(db, args, lambda a, b: a * b, lambda a, b: a * b)


@FAMILY.command("json.toggle", 3, "write", keys=[key_at(1, "RW access update")])
@_notifying(b"json.toggle")
def json_toggle(db: Database, args: list[bytes]) -> Reply:
    """Flip the boolean at a path; 1/0 per match (``$``) or "true"/"false" (legacy)."""
    path = _path(args[1])
    doc = _existing(db, args[0])

    def accept(value: Json) -> bool:
        return value is True or value is False

    def flip(value: Json, where: Concrete) -> Reply:
        _replace(doc, where, not value)
        return int(not value)

    def as_text(last: Reply) -> Reply:  # legacy: the last value as "true"/"false"
        return b"true" if last else b"false"

    missing = _missing_or(path.fixed, "not a bool")
    return _write(doc, path, accept, flip, missing, legacy_reply=as_text)


@FAMILY.command("json.clear", -2, "write", keys=[key_at(1, "RW access update")])
@_notifying(b"json.clear")
def json_clear(db: Database, args: list[bytes]) -> Reply:
    """Empty the arrays/objects and zero the numbers at a path; how many changed."""
    path = _opt_path(args, 1)
    doc = _existing(db, args[0])
    cleared = 0
    for value, where in _matches(doc, path):
        if not (isinstance(value, (list, dict)) and value) and not (is_number(value) and value):
            continue
        found, current = resolve(doc.data, where)
        if not found:
            continue
        if isinstance(current, (list, dict)):
            current.clear()
        else:
            _replace(doc, where, 0)
        cleared += 1
    return cleared


# ---- JSON.DEBUG --------------------------------------------------------------------------

_DEBUG_HELP = [b"MEMORY <key> [path] - reports memory usage", b"HELP                - this message"]


@FAMILY.command("json.debug", -2, "readonly", keys=[key_at(2, "RO access")])
def json_debug(db: Database, args: list[bytes]) -> Reply:
    """MEMORY key [path]: bytes a JSON value takes (an estimate); HELP: the forms."""
    sub = decode_arg(args[0]).upper()
    if sub == "HELP":
        if len(args) != 1:
            raise WrongArity("json.debug")
        return list(_DEBUG_HELP)
    if sub != "MEMORY":
        raise CommandError("ERR unknown subcommand - try `JSON.DEBUG HELP`")
    if not 2 <= len(args) <= 3:
        raise WrongArity("json.debug")
    path = _opt_path(args, 2)
    doc = _doc(db, args[1])
    if not path.legacy:
        return [] if doc is None else [json_memory(v) for v, _ in _matches(doc, path)]
    return 0 if doc is None else json_memory(_first(doc, path))


def json_memory(value: Json) -> int:
    """RedisJSON's ``get_memory`` model (ijson): an 8-byte value slot, plus a heap block of
    16 bytes and the content for strings, non-small numbers, arrays and objects; null,
    booleans and integers of 24 bits live in the slot. An estimate for comparisons: the
    figure Upstash computes is not published (docs/commands/json.md)."""
    if value is None or isinstance(value, bool):
        return 8
    if isinstance(value, int) and -(2**23) <= value < 2**23:
        return 8
    if isinstance(value, (int, float)):
        return 8 + 16
    if isinstance(value, str):
        return 8 + 16 + len(value.encode())
    if isinstance(value, list):
        return 8 + 16 + sum(json_memory(item) for item in value)
    assert isinstance(value, dict)
    return 8 + 16 + sum(16 + len(k.encode()) + json_memory(v) for k, v in value.items())
