"""SEARCH.AGGREGATE: metric and bucket aggregations, rendered as Upstash's flat maps.

``{"alias": {"$op": {...}, "$aggs": {...}}}``; every alias sees the same filtered documents.
Metrics: ``$avg $sum $min $max $count $cardinality $stats $extendedStats $percentiles``.
Buckets: ``$terms $range $histogram $dateHistogram`` (which take ``$aggs``) and ``$facet``.
Fields must be FAST (KEYWORD implicitly; FACET for ``$facet``). Maps flatten to
``[k, v, …]``; counts are integers, doubles are bulk strings, empty values null.

Exact where the server approximates: ``$cardinality`` counts distinct values exactly (the
server uses HyperLogLog), ``$percentiles`` interpolates linearly (the server uses a sketch).
``$terms`` ties in count come back in key order.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

from fakestash._engine.replies import Reply, format_double
from fakestash._engine.search.index import Doc, SearchIndex
from fakestash._engine.search.schema import BOOL, DATE, FACET, NUMERIC, Field
from fakestash._engine.search.values import Scalar, format_date
from fakestash._errors import CommandError

METRICS = (
    "$avg",
    "$sum",
    "$min",
    "$max",
    "$count",
    "$cardinality",
    "$stats",
    "$extendedStats",
    "$percentiles",
)
BUCKETS = ("$terms", "$range", "$histogram", "$dateHistogram")
OPERATORS = (*METRICS, *BUCKETS, "$facet")
_OPTIONS: dict[str, tuple[str, ...]] = {
    "$avg": ("missing",),
    "$sum": ("missing",),
    "$min": ("missing",),
    "$max": ("missing",),
    "$count": ("missing",),
    "$cardinality": ("missing",),
    "$stats": ("missing",),
    "$extendedStats": ("sigma", "missing"),
    "$percentiles": ("percents", "keyed", "missing"),
    "$terms": (
        "size",
        "segmentSize",
        "showTermDocCountError",
        "minDocCount",
        "order",
        "missing",
        "include",
        "exclude",
    ),
    "$range": ("ranges", "keyed"),
    "$histogram": ("interval", "offset", "minDocCount", "hardBounds", "extendedBounds", "keyed"),
    "$dateHistogram": (
        "fixedInterval",
        "offset",
        "minDocCount",
        "hardBounds",
        "extendedBounds",
        "keyed",
    ),
    "$facet": ("path", "depth", "size", "minDocCount", "order"),
}
_UNITS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
DEFAULT_PERCENTS = (1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0)

Out = Any  # the rendered tree: dict / list / int / float / str / None


@dataclass
class Agg:
    name: str
    op: str
    field: Field
    args: dict[str, Any]
    subs: list[Agg] = dataclasses.field(default_factory=list)


def _error(text: str) -> CommandError:
    return CommandError("ERR " + text)


def parse(raw: bytes, index: SearchIndex) -> list[Agg]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _error("invalid aggregations: not valid JSON") from None
    if not isinstance(value, dict):
        raise _error("invalid aggregations: must be a JSON object")
    return [_parse_one(name, spec, index) for name, spec in value.items()]


def _parse_one(name: str, spec: Any, index: SearchIndex) -> Agg:
    if not isinstance(spec, dict):
        raise _error(f"Aggregation '{name}' must be a JSON object")
    ops = [k for k in spec if k != "$aggs"]
    if len(ops) != 1:
        raise _error(f"Aggregation '{name}' must have exactly one operator")
    op = ops[0]
    if op not in OPERATORS:
        raise _error(f"Aggregation '{name}' has unknown operator '{op}'")
    args = spec[op]
    if not isinstance(args, dict):
        raise _error(f"Aggregation '{name}' operator '{op}' must be a JSON object")
    for key in args:
        if key != "field" and key not in _OPTIONS[op]:
            raise _error(f"Aggregation '{name}' operator '{op}' has unknown option '{key}'")
    if "field" not in args:
        raise _error(f"Aggregation '{name}' is missing required 'field' property")
    f = _check_field(name, op, args["field"], index)
    agg = Agg(name, op, f, args)
    if "$aggs" in spec:
        if op not in BUCKETS:
            raise _error(f"Aggregation '{name}' operator '{op}' cannot have '$aggs'")
        subs = spec["$aggs"]
        if not isinstance(subs, dict):
            raise _error(f"Aggregation '{name}' '$aggs' must be a JSON object")
        agg.subs = [_parse_one(n, s, index) for n, s in subs.items()]
    return agg


def _check_field(name: str, op: str, raw: Any, index: SearchIndex) -> Field:
    f = index.by_name.get(raw) if isinstance(raw, str) else None
    if f is None:
        raise _error(f"Aggregation '{name}' refers to unknown field '{raw}'")
    if op == "$facet":
        if f.type != FACET:
            raise _error(f"Aggregation '{name}' operator '$facet' requires a FACET field")
        return f
    if not f.columnar:
        raise _error(f"Aggregation '{name}' operator '{op}' requires field '{f.name}' to be FAST")
    numeric = (*NUMERIC, BOOL, DATE)
    if op in ("$count", "$cardinality", "$terms"):
        return f
    if op == "$dateHistogram" and f.type != DATE:
        raise _error(f"Aggregation '{name}' operator '$dateHistogram' requires a DATE field")
    if f.type not in numeric:
        raise _error(f"Aggregation '{name}' operator '{op}' requires a numeric field")
    return f


# ---- running -------------------------------------------------------------------------------


def run(aggs: list[Agg], docs: list[Doc], index: SearchIndex) -> Reply:
    return _flatten({a.name: _compute(a, docs) for a in aggs})


def _flatten(value: Out) -> Reply:
    if isinstance(value, dict):
        out: list[Reply] = []
        for k, v in value.items():
            out += [k.encode(), _flatten(v)]
        return out
    if isinstance(value, list):
        return [_flatten(v) for v in value]
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return format_double(value)
    if isinstance(value, str):
        return value.encode()
    return None


def _values(agg: Agg, docs: list[Doc]) -> list[Scalar]:
    missing = agg.args.get("missing")
    out: list[Scalar] = []
    for doc in docs:
        vs = doc.values.get(agg.field.name)
        if vs:
            out.extend(vs)
        elif missing is not None:
            out.append(missing)
    return out


def _numbers(agg: Agg, docs: list[Doc]) -> list[float]:
    out = []
    for v in _values(agg, docs):
        if isinstance(v, str):
            continue
        number = float(v)
        out.append(number / 1000.0 if agg.field.type == DATE else number)
    return out


def _compute(agg: Agg, docs: list[Doc]) -> Out:
    handler = _HANDLERS[agg.op]
    return handler(agg, docs)


def _single(fn: Callable[[list[float]], float]) -> Callable[[Agg, list[Doc]], Out]:
    def run_one(agg: Agg, docs: list[Doc]) -> Out:
        xs = _numbers(agg, docs)
        return {"value": fn(xs) if xs else None}

    return run_one


def _count(agg: Agg, docs: list[Doc]) -> Out:
    return {"value": len(_values(agg, docs))}


def _cardinality(agg: Agg, docs: list[Doc]) -> Out:
    return {"value": len({json.dumps(v) for v in _values(agg, docs)})}


def _stats(xs: list[float]) -> dict[str, Out]:
    if not xs:
        return {"count": 0, "min": None, "max": None, "sum": 0.0, "avg": None}
    return {
        "count": len(xs),
        "min": min(xs),
        "max": max(xs),
        "sum": math.fsum(xs),
        "avg": math.fsum(xs) / len(xs),
    }


def _stats_agg(agg: Agg, docs: list[Doc]) -> Out:
    return _stats(_numbers(agg, docs))


def _extended_stats(agg: Agg, docs: list[Doc]) -> Out:
    xs = _numbers(agg, docs)
    sigma = _num_arg(agg, "sigma", 2.0)
    out = _stats(xs)
    if not xs:
        for key in (
            "sumOfSquares",
            "variance",
            "variancePopulation",
            "varianceSampling",
            "stdDeviation",
            "stdDeviationPopulation",
            "stdDeviationSampling",
            "stdDeviationBounds",
        ):
            out[key] = None
        out["sumOfSquares"] = 0.0
        return out
    n = len(xs)
    avg = math.fsum(xs) / n
    squares = math.fsum(x * x for x in xs)
    var_pop = math.fsum((x - avg) ** 2 for x in xs) / n
    var_samp = math.fsum((x - avg) ** 2 for x in xs) / (n - 1) if n > 1 else None
    sd_pop = math.sqrt(var_pop)
    sd_samp = math.sqrt(var_samp) if var_samp is not None else None
    out.update(
        sumOfSquares=squares,
        variance=var_pop,
        variancePopulation=var_pop,
        varianceSampling=var_samp,
        stdDeviation=sd_pop,
        stdDeviationPopulation=sd_pop,
        stdDeviationSampling=sd_samp,
        stdDeviationBounds={
            "upper": avg + sigma * sd_pop,
            "lower": avg - sigma * sd_pop,
            "upperSampling": None if sd_samp is None else avg + sigma * sd_samp,
            "lowerSampling": None if sd_samp is None else avg - sigma * sd_samp,
            "upperPopulation": avg + sigma * sd_pop,
            "lowerPopulation": avg - sigma * sd_pop,
        },
    )
    return out


def _percentiles(agg: Agg, docs: list[Doc]) -> Out:
    xs = sorted(_numbers(agg, docs))
    percents = agg.args.get("percents", list(DEFAULT_PERCENTS))
    if not isinstance(percents, list) or not all(
        isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 100 for p in percents
    ):
        raise _error(f"Aggregation '{agg.name}' percents must be numbers from 0 to 100")
    keyed = _bool_arg(agg, "keyed", True)
    values = [(float(p), _percentile(xs, float(p))) for p in percents]
    if keyed:
        return {"values": {repr(p): v for p, v in values}}
    return {"values": [{"key": p, "value": v} for p, v in values]}


def _percentile(xs: list[float], p: float) -> Optional[float]:
    if not xs:
        return None
    rank = p / 100 * (len(xs) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(xs) - 1)
    return xs[low] + (xs[high] - xs[low]) * (rank - low)


# ---- buckets -------------------------------------------------------------------------------


def _bucket(
    key: Out,
    docs: list[Doc],
    agg: Agg,
    extra: Optional[dict[str, Out]] = None,
    head: Optional[dict[str, Out]] = None,
) -> Out:
    out: dict[str, Out] = {"key": key, **(head or {}), "docCount": len(docs)}
    out.update(extra or {})
    for sub in agg.subs:
        out[sub.name] = _compute(sub, docs)
    return out


def _keyed(agg: Agg, buckets: list[dict[str, Out]]) -> Out:
    if _bool_arg(agg, "keyed", False):
        return {"buckets": {str(_render_key(b["key"])): b for b in buckets}}
    return {"buckets": buckets}


def _render_key(key: Out) -> str:
    return format_double(key).decode() if isinstance(key, float) else str(key)


def _terms(agg: Agg, docs: list[Doc]) -> Out:
    size = _int_arg(agg, "size", 10, 1)
    min_count = _int_arg(agg, "minDocCount", 1, 0)
    groups: dict[Any, list[Doc]] = {}
    missing = agg.args.get("missing")
    for doc in docs:
        vs = doc.values.get(agg.field.name) or ([missing] if missing is not None else [])
        for v in dict.fromkeys(vs):
            key: Any = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
            groups.setdefault(key, []).append(doc)
    include, exclude = _matcher(agg, "include"), _matcher(agg, "exclude")
    items = [
        (k, ds)
        for k, ds in groups.items()
        if len(ds) >= min_count and include(k, True) and not exclude(k, False)
    ]
    buckets = [_bucket(k, ds, agg) for k, ds in items]
    _order_terms(agg, buckets)
    kept = buckets[:size]
    return {
        "buckets": kept,
        "sumOtherDocCount": sum(b["docCount"] for b in buckets[size:]),
        "docCountErrorUpperBound": 0,
    }


def _matcher(agg: Agg, name: str) -> Callable[[Any, bool], bool]:
    spec = agg.args.get(name)
    if spec is None:
        return lambda key, default: default
    if isinstance(spec, str):
        try:
            pattern = re.compile(spec)
        except re.error:
            raise _error(f"Aggregation '{agg.name}' {name} is not a valid regex") from None
        return lambda key, default: pattern.fullmatch(_render_key(key)) is not None
    if isinstance(spec, list):
        wanted = {_render_key(float(v) if isinstance(v, int) else v) for v in spec}
        return lambda key, default: _render_key(key) in wanted
    raise _error(f"Aggregation '{agg.name}' {name} must be a regex or an array")


def _order_terms(agg: Agg, buckets: list[dict[str, Out]]) -> None:
    order = agg.args.get("order", {"count": "desc"})
    if not isinstance(order, dict) or len(order) != 1:
        raise _error(f"Aggregation '{agg.name}' order must be an object with one key")
    ((target, direction),) = order.items()
    if direction not in ("asc", "desc"):
        raise _error(f"Aggregation '{agg.name}' order must be 'asc' or 'desc'")
    reverse = direction == "desc"

    def key_order(b: dict[str, Out]) -> Any:
        k = b["key"]
        return (0, k, "") if isinstance(k, float) else (1, 0.0, str(k))

    buckets.sort(key=key_order)  # ties in the sort key below stay in key order
    if target in ("key", "_key"):
        buckets.sort(key=key_order, reverse=reverse)
        return
    if target in ("count", "_count"):
        buckets.sort(key=lambda b: b["docCount"], reverse=reverse)
        return
    sub = next((s for s in agg.subs if s.name == target), None)
    if sub is None or sub.op not in ("$avg", "$sum", "$min", "$max", "$count", "$cardinality"):
        raise _error(f"Aggregation '{agg.name}' cannot order by '{target}'")

    def metric(b: dict[str, Out]) -> float:
        v = b[target]["value"]
        return float("-inf") if v is None else float(v)

    buckets.sort(key=metric, reverse=reverse)


def _range(agg: Agg, docs: list[Doc]) -> Out:
    ranges = agg.args.get("ranges")
    if not isinstance(ranges, list) or not ranges:
        raise _error(f"Aggregation '{agg.name}' ranges must be a non-empty array")
    spans: list[tuple[float, float, Optional[str]]] = []
    for r in ranges:
        if not isinstance(r, dict) or any(k not in ("key", "from", "to") for k in r):
            raise _error(f"Aggregation '{agg.name}' ranges items take key, from and to")
        low = _opt_number(agg, r.get("from"), -math.inf)
        high = _opt_number(agg, r.get("to"), math.inf)
        key = r.get("key")
        spans.append((low, high, key if isinstance(key, str) else None))
    spans.sort(key=lambda s: s[0])
    filled: list[tuple[float, float, Optional[str]]] = []
    at = -math.inf
    for low, high, key in spans:
        if low > at:
            filled.append((at, low, None))  # Tantivy fills gaps with empty buckets
        filled.append((low, high, key))
        at = max(at, high)
    if at < math.inf:
        filled.append((at, math.inf, None))
    buckets = []
    for low, high, key in filled:
        inside = [d for d in docs if any(low <= x < high for x in _doc_numbers(agg, d))]
        extra: dict[str, Out] = {}
        if low > -math.inf:
            extra["from"] = low
        if high < math.inf:
            extra["to"] = high
        label = key or f"{_edge(low)}-{_edge(high)}"
        buckets.append(_bucket(label, inside, agg, extra))
    return _keyed(agg, buckets)


def _edge(x: float) -> str:
    return "*" if math.isinf(x) else format_double(x).decode()


def _doc_numbers(agg: Agg, doc: Doc) -> list[float]:
    return _numbers(agg, [doc])


def _histogram(
    agg: Agg, docs: list[Doc], interval: float, offset: float, as_date: bool = False
) -> Out:
    min_count = _int_arg(agg, "minDocCount", 0, 0)
    hard = _bounds(agg, "hardBounds")
    groups: dict[float, list[Doc]] = {}
    for doc in docs:
        seen: set[float] = set()
        for x in _doc_numbers(agg, doc):
            if hard is not None and not hard[0] <= x <= hard[1]:
                continue
            key = math.floor((x - offset) / interval) * interval + offset
            if key not in seen:
                seen.add(key)
                groups.setdefault(key, []).append(doc)
    keys = sorted(groups)
    if min_count == 0 and (keys or _bounds(agg, "extendedBounds")):
        ext = _bounds(agg, "extendedBounds")
        low = min([*keys, *([ext[0]] if ext else [])])
        high = max([*keys, *([ext[1]] if ext else [])])
        first = math.floor((low - offset) / interval) * interval + offset
        keys = []
        k = first
        while k <= high:
            keys.append(k)
            k = first + len(keys) * interval
    buckets = []
    for k in keys:
        ds = groups.get(k, [])
        if len(ds) < min_count or (min_count and not ds):
            continue
        head = {"keyAsString": format_date(int(k * 1000))} if as_date else None
        buckets.append(_bucket(k, ds, agg, head=head))
    return _keyed(agg, buckets)


def _number_histogram(agg: Agg, docs: list[Doc]) -> Out:
    interval = _num_arg(agg, "interval", None)
    if interval is None or interval <= 0:
        raise _error(f"Aggregation '{agg.name}' interval must be a positive number")
    return _histogram(agg, docs, interval, _num_arg(agg, "offset", 0.0))


def _date_histogram(agg: Agg, docs: list[Doc]) -> Out:
    interval = _duration(agg, agg.args.get("fixedInterval"), "fixedInterval")
    offset_raw = agg.args.get("offset")
    offset = 0.0 if offset_raw is None else _duration(agg, offset_raw, "offset", signed=True)
    return _histogram(agg, docs, interval, offset, as_date=True)


def _duration(agg: Agg, raw: Any, what: str, signed: bool = False) -> float:
    m = re.fullmatch(r"([+-]?)(\d+)(ms|s|m|h|d)", raw) if isinstance(raw, str) else None
    if m is None or (m.group(1) and not signed) or (not signed and int(m.group(2)) == 0):
        raise _error(f"Aggregation '{agg.name}' {what} must look like 30d, 1h, 1m, 1s or 1ms")
    value = float(int(m.group(2)) * _UNITS[m.group(3)])
    return -value if m.group(1) == "-" else value


def _facet(agg: Agg, docs: list[Doc]) -> Out:
    path = agg.args.get("path", "/")
    if not isinstance(path, str) or not path.startswith("/"):
        raise _error(f"Aggregation '{agg.name}' path must start with '/'")
    depth = _int_arg(agg, "depth", 1, 1)
    size = _int_arg(agg, "size", 10, 1)
    min_count = _int_arg(agg, "minDocCount", 1, 0)
    order = agg.args.get("order", {"count": "desc"})
    if (
        not isinstance(order, dict)
        or len(order) != 1
        or next(iter(order)) not in ("count", "path")
        or next(iter(order.values())) not in ("asc", "desc")
    ):
        raise _error(f"Aggregation '{agg.name}' order must be {{count|path: asc|desc}}")
    base = path.rstrip("/")
    children, other = _facet_children(agg, docs, base, depth, size, min_count, order)
    return {"path": path, "sumOtherDocCount": other, "children": children}


def _facet_children(
    agg: Agg,
    docs: list[Doc],
    base: str,
    depth: int,
    size: int,
    min_count: int,
    order: dict[str, str],
) -> tuple[list[Out], int]:
    groups: dict[str, list[Doc]] = {}
    for doc in docs:
        seen: set[str] = set()
        for v in doc.values.get(agg.field.name, []):
            text = str(v)
            if not text.startswith(base + "/"):
                continue
            child = base + "/" + text[len(base) + 1 :].split("/")[0]
            if child != base + "/" and child not in seen:
                seen.add(child)
                groups.setdefault(child, []).append(doc)
    items = sorted((p, ds) for p, ds in groups.items() if len(ds) >= min_count)
    ((target, direction),) = order.items()
    if target == "count":
        items.sort(key=lambda item: len(item[1]), reverse=direction == "desc")
    elif direction == "desc":
        items.reverse()
    out: list[Out] = []
    for child, ds in items[:size]:
        entry: dict[str, Out] = {"path": child, "docCount": len(ds)}
        if depth > 1:
            sub, sub_other = _facet_children(agg, ds, child, depth - 1, size, min_count, order)
            entry["sumOtherDocCount"] = sub_other
            entry["children"] = sub
        else:
            entry["sumOtherDocCount"] = 0
        out.append(entry)
    return out, sum(len(ds) for _, ds in items[size:])


# ---- argument helpers ----------------------------------------------------------------------


def _num_arg(agg: Agg, name: str, default: Any) -> Any:
    value = agg.args.get(name, default)
    if value is default:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _error(f"Aggregation '{agg.name}' {name} must be a number")
    return float(value)


def _int_arg(agg: Agg, name: str, default: int, low: int) -> int:
    value = agg.args.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _error(f"Aggregation '{agg.name}' {name} must be an integer >= {low}")
    return value


def _bool_arg(agg: Agg, name: str, default: bool) -> bool:
    value = agg.args.get(name, default)
    if not isinstance(value, bool):
        raise _error(f"Aggregation '{agg.name}' {name} must be true or false")
    return value


def _opt_number(agg: Agg, value: Any, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _error(f"Aggregation '{agg.name}' range bounds must be numbers")
    return float(value)


def _bounds(agg: Agg, name: str) -> Optional[tuple[float, float]]:
    spec = agg.args.get(name)
    if spec is None:
        return None
    if (
        not isinstance(spec, dict)
        or set(spec) != {"min", "max"}
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in spec.values())
    ):
        raise _error(f"Aggregation '{agg.name}' {name} must be {{min, max}} numbers")
    return float(spec["min"]), float(spec["max"])


_HANDLERS: dict[str, Callable[[Agg, list[Doc]], Out]] = {
    "$avg": _single(lambda xs: math.fsum(xs) / len(xs)),
    "$sum": _single(math.fsum),
    "$min": _single(min),
    "$max": _single(max),
    "$count": _count,
    "$cardinality": _cardinality,
    "$stats": _stats_agg,
    "$extendedStats": _extended_stats,
    "$percentiles": _percentiles,
    "$terms": _terms,
    "$range": _range,
    "$histogram": _number_histogram,
    "$dateHistogram": _date_histogram,
    "$facet": _facet,
}
