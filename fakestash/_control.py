"""The control surface: ``/_fakestash/...``, JSON over HTTP for tests written in any language.

A thin door over library calls (``stash.reset()``, ``stash.clock``, ``stash.faults``, the
meters, ``stash.record_published()``, ``stash.monitor()``, ``stash.snapshot()``), served by
the ASGI app (``fakestash serve``) to requests bearing the control token, in the
``Authorization: Bearer`` header or ``?_token=``. It is not Upstash's API: no meter bills
it and MONITOR does not see it. docs/serve.md lists every route with curl and fetch examples.
"""

from __future__ import annotations

import inspect
import json
import secrets
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qsl

from fakestash._clock import SystemClock
from fakestash._faults import Fault, FaultRule
from fakestash._rest.wire import RestRequest, RestResponse

if TYPE_CHECKING:
    from fakestash._faults import ActiveFault
    from fakestash._pubsub_api import CommandLog, PublishLog
    from fakestash._server import FakeStash

PREFIX = b"/_fakestash"
#: How many published messages and monitor lines each database's logs keep.
LOG_LIMIT = 10_000
#: The fault constructors a rule may name, and the arguments each takes.
FAULT_TYPES = (
    "http_error",
    "max_requests",
    "daily_limit",
    "request_too_large",
    "db_capacity",
    "connect_error",
    "read_timeout",
    "latency",
    "cut_stream",
)
RULE_FIELDS = ("times", "after", "command", "path", "db", "rate")


class ControlError(Exception):
    """A control request that cannot be done: its HTTP status and the reason."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


Route = Callable[["ControlSurface", "Call"], Any]


class Call:
    """A control request, read: its query parameters and JSON body."""

    def __init__(self, request: RestRequest) -> None:
        self.query = dict(parse_qsl(request.raw_path.partition(b"?")[2].decode("latin-1")))
        self.body = request.body

    def json(self) -> Any:
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise ControlError(400, f"the body is not JSON: {exc}") from None

    def object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise ControlError(400, "the body must be a JSON object")
        return data

    def db(self, stash: FakeStash) -> int:
        raw = self.query.get("db", "0")
        if not raw.isdigit() or int(raw) >= len(stash.endpoints):
            raise ControlError(404, f"no database {raw!r}: there are {len(stash.endpoints)}")
        return int(raw)


class ControlSurface:
    """``/_fakestash`` routes over one ``FakeStash``; ``handle(request) -> RestResponse``."""

    def __init__(self, stash: FakeStash, token: str, data_file: str | None = None) -> None:
        self.stash = stash
        self.token = token
        self.data_file = data_file
        self.published: list[PublishLog] = []
        self.monitors: list[CommandLog] = []
        self._record()

    def _record(self) -> None:
        """Open a published-message log and a monitor log on every database."""
        stash = self.stash
        for published in self.published:
            published.close()
        for monitor in self.monitors:
            monitor.close()
        count = len(stash.endpoints)
        self.published = [stash.record_published(i, limit=LOG_LIMIT) for i in range(count)]
        self.monitors = [stash.monitor(i, limit=LOG_LIMIT) for i in range(count)]

    @staticmethod
    def claims(raw_path: bytes) -> bool:
        """Whether a request's path is the control surface's."""
        return raw_path.startswith(PREFIX) and raw_path[len(PREFIX) : len(PREFIX) + 1] in (
            b"",
            b"/",
            b"?",
        )

    def handle(self, request: RestRequest) -> RestResponse:
        try:
            self._authorize(request)
            route = self._route(request)
            return _json(200, route(self, Call(request)))
        except ControlError as exc:
            return _json(exc.status, {"error": str(exc)})
        except (TypeError, ValueError) as exc:  # a library call refused the values given
            return _json(400, {"error": str(exc)})

    def _authorize(self, request: RestRequest) -> None:
        token = Call(request).query.get("_token")
        if token is None:
            for name, value in request.headers:
                if name.lower() == b"authorization":
                    scheme, _, rest = value.decode("latin-1").partition(" ")
                    token = rest.strip() if scheme.lower() == "bearer" else value.decode()
                    break
        if token is None or not secrets.compare_digest(token.encode(), self.token.encode()):
            raise ControlError(401, "the control surface needs its token (--control-token)")

    def _route(self, request: RestRequest) -> Route:
        path = request.raw_path.partition(b"?")[0][len(PREFIX) :].decode("latin-1").strip("/")
        methods = ROUTES.get(path)
        if methods is None:
            known = ", ".join(f"/_fakestash/{name}".rstrip("/") for name in ROUTES)
            raise ControlError(404, f"no control route /_fakestash/{path}; routes: {known}")
        route = methods.get(request.method)
        if route is None:
            allowed = ", ".join(methods)
            raise ControlError(405, f"/_fakestash/{path} takes {allowed}, not {request.method}")
        return route

    # ---- the routes --------------------------------------------------------------------

    def info(self, call: Call) -> Any:
        stash = self.stash
        return {
            "seed": stash.seed,
            "clock": self.clock(call),
            "data_file": self.data_file,
            "databases": [
                {
                    "db": index,
                    "url": endpoint.url,
                    "path": f"/db/{index}",
                    "token": endpoint.token,
                    "readonly_token": endpoint.readonly_token,
                }
                for index, endpoint in enumerate(stash.endpoints)
            ],
        }

    def reset(self, call: Call) -> Any:
        seed = call.object().get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ControlError(400, "seed must be an integer")
        self.stash.reset(seed)
        self._record()
        return {"result": "OK", "seed": self.stash.seed}

    def clock(self, call: Call) -> Any:
        clock = self.stash.clock
        kind = "system" if isinstance(clock, SystemClock) else "manual"
        return {"kind": kind, "now_ms": clock.time_ms()}

    def set_clock(self, call: Call) -> Any:
        data = call.object()
        kind = data.get("kind")
        if kind is not None:
            if kind not in ("manual", "system"):
                raise ControlError(400, 'kind must be "manual" or "system"')
            current = self.clock(call)["kind"]
            if kind != current:
                self.stash.use_clock(kind)
        now_ms = data.get("now_ms")
        if now_ms is not None:
            if not isinstance(now_ms, (int, float)) or isinstance(now_ms, bool):
                raise ControlError(400, "now_ms must be a number of ms since the epoch")
            self._manual("set").set(now_ms / 1000)
        return self.clock(call)

    def advance(self, call: Call) -> Any:
        data = call.object()
        ms = data.get("ms", 0)
        seconds = data.get("seconds", 0)
        for name, value in (("ms", ms), ("seconds", seconds)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ControlError(400, f"{name} must be a number >= 0")
        self._manual("advance").advance(seconds=seconds, ms=ms)
        return self.clock(call)

    def _manual(self, action: str) -> Any:
        clock = self.stash.clock
        if isinstance(clock, SystemClock) or not callable(getattr(clock, "advance", None)):
            raise ControlError(
                409,
                f"cannot {action} the system clock: switch to a manual one first "
                '(PUT /_fakestash/clock {"kind": "manual"}, or fakestash serve --clock manual)',
            )
        return clock

    def seed(self, call: Call) -> Any:
        return {"seed": self.stash.seed}

    def set_seed(self, call: Call) -> Any:
        seed = call.object().get("seed")
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ControlError(400, "seed must be an integer")
        self.stash.reseed(seed)
        return {"seed": seed}

    def faults(self, call: Call) -> Any:
        faults = self.stash.faults
        return {
            "rules": [_rule_json(handle) for handle in faults.pending],
            "log": [str(record) for record in faults.log],
        }

    def add_fault(self, call: Call) -> Any:
        rule = _rule(call.object())
        try:
            handle = self.stash.faults.add(rule)
        except (TypeError, ValueError) as exc:
            raise ControlError(400, str(exc)) from None
        return _rule_json(handle)

    def clear_faults(self, call: Call) -> Any:
        self.stash.faults.clear()
        return {"result": "OK"}

    def meter(self, call: Call) -> Any:
        meter = self.stash.endpoints[call.db(self.stash)].meter
        usage = meter.snapshot()
        return {
            "requests": usage.requests,
            "commands": usage.commands,
            "bytes_in": usage.bytes_in,
            "bytes_out": usage.bytes_out,
            "faults": meter.faults,
            "seen": meter.seen,
        }

    def reset_meter(self, call: Call) -> Any:
        self.stash.endpoints[call.db(self.stash)].meter.reset()
        return {"result": "OK"}

    def published_messages(self, call: Call) -> Any:
        log = self.published[call.db(self.stash)]
        channel = call.query.get("channel")
        messages = log.messages if channel is None else log.on(channel)
        return {
            "messages": [
                {
                    "channel": message.channel.decode("utf-8", "replace"),
                    "message": message.text,
                    "receivers": message.receivers,
                    "time_ms": message.time_ms,
                    "shard": message.shard,
                }
                for message in messages
            ]
        }

    def clear_published(self, call: Call) -> Any:
        self.published[call.db(self.stash)].clear()
        return {"result": "OK"}

    def monitor_log(self, call: Call) -> Any:
        log = self.monitors[call.db(self.stash)]
        return {"commands": log.commands, "lines": log.lines}

    def clear_monitor(self, call: Call) -> Any:
        self.monitors[call.db(self.stash)].clear()
        return {"result": "OK"}

    def snapshot(self, call: Call) -> Any:
        return self.stash.snapshot()

    def restore(self, call: Call) -> Any:
        from fakestash._snapshot import SnapshotError

        try:
            self.stash.restore(call.json())
        except SnapshotError as exc:
            raise ControlError(400, str(exc)) from None
        return {"result": "OK"}

    def save(self, call: Call) -> Any:
        if self.data_file is None:
            raise ControlError(409, "no data file: start the server with --data FILE")
        from fakestash._datafile import write_data_file

        write_data_file(self.data_file, self.stash.snapshot())
        return {"result": "OK", "data_file": self.data_file}


ROUTES: dict[str, dict[str, Route]] = {
    "": {"GET": ControlSurface.info},
    "reset": {"POST": ControlSurface.reset},
    "clock": {"GET": ControlSurface.clock, "PUT": ControlSurface.set_clock},
    "clock/advance": {"POST": ControlSurface.advance},
    "seed": {"GET": ControlSurface.seed, "PUT": ControlSurface.set_seed},
    "faults": {
        "GET": ControlSurface.faults,
        "POST": ControlSurface.add_fault,
        "DELETE": ControlSurface.clear_faults,
    },
    "meter": {"GET": ControlSurface.meter, "DELETE": ControlSurface.reset_meter},
    "published": {
        "GET": ControlSurface.published_messages,
        "DELETE": ControlSurface.clear_published,
    },
    "monitor": {"GET": ControlSurface.monitor_log, "DELETE": ControlSurface.clear_monitor},
    "snapshot": {"GET": ControlSurface.snapshot, "PUT": ControlSurface.restore},
    "save": {"POST": ControlSurface.save},
}


# ---- faults as JSON ---------------------------------------------------------------------------


def _rule(data: dict[str, Any]) -> FaultRule:
    """``{"fault": {"type": "max_requests", "limit": 10}, "times": 2, "command": "SET"}``."""
    spec = data.get("fault")
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, dict) or spec.get("type") not in FAULT_TYPES:
        raise ControlError(400, f'"fault" must be {{"type": ...}} with a type of {FAULT_TYPES}')
    unknown = set(data) - {"fault", *RULE_FIELDS}
    if unknown:
        raise ControlError(400, f"unknown rule fields {sorted(unknown)}; known: {RULE_FIELDS}")
    fields = {name: data[name] for name in RULE_FIELDS if name in data}
    if isinstance(fields.get("command"), list):
        fields["command"] = tuple(fields["command"])
    try:
        return FaultRule(_fault(spec), **fields)
    except (TypeError, ValueError) as exc:
        raise ControlError(400, str(exc)) from None


def _fault(spec: dict[str, Any]) -> Fault:
    kind = spec["type"]
    make = getattr(Fault, kind)
    arguments = {name: value for name, value in spec.items() if name != "type"}
    accepted = set(inspect.signature(make).parameters) - {"tick"}
    unknown = set(arguments) - accepted
    if unknown:
        raise ControlError(400, f"{kind} takes {sorted(accepted)}, not {sorted(unknown)}")
    if isinstance(arguments.get("body"), str):
        arguments["body"] = arguments["body"].encode()
    try:
        fault: Fault = make(**arguments)
    except (TypeError, ValueError) as exc:
        raise ControlError(400, str(exc)) from None
    return fault


def _rule_json(handle: ActiveFault) -> dict[str, Any]:
    rule, fault = handle.rule, handle.rule.fault
    return {
        "fault": {
            "kind": fault.kind,
            "status": fault.status or None,
            "error": fault.error,
            "seconds": fault.seconds or None,
            "events": fault.events if fault.kind == "cut_stream" else None,
            "description": fault.describe(),
        },
        "times": rule.times,
        "after": rule.after,
        "command": rule.command,
        "path": rule.path,
        "db": rule.db,
        "rate": rule.rate,
        "fired": handle.fired,
        "remaining": handle.remaining,
    }


def _json(status: int, data: Any) -> RestResponse:
    body = json.dumps(data).encode()
    headers = [
        (b"content-length", b"%d" % len(body)),
        (b"content-type", b"application/json"),
    ]
    return RestResponse(status, headers, body)
