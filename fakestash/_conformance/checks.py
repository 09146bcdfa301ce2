"""The REST wire checks and the spec's open questions: requests a client makes, and what
came back, observed the same way on the fake and on the endpoint.

Each ``Check`` is a function of a ``Probe`` (one side, the run's names) that makes a few
requests and returns an *observation*: plain JSON data (statuses, bodies, the answers to
yes/no questions such as "did a write move the sync token?"). The run makes the same
observation on both sides and compares them; a check that differs shows both. Checks with
``question`` set are the open questions of Upstash's wire behaviour that no source settles
(the fake's answer is a choice: a run against a real database settles it).

What an observation leaves out on purpose: tokens, sync-token values, timestamps and other
things that differ between any two servers.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any, Callable

import httpx

from fakestash._conformance.scope import Scope
from fakestash._conformance.wire import Side, StreamReader

#: How long a stream waits for an event on a network endpoint before giving up.
STREAM_TIMEOUT = 10.0
#: At most this many lines are read from a MONITOR stream looking for the run's command.
MONITOR_LINES = 10_000


class Probe:
    """One side, seen through the requests a check makes."""

    def __init__(self, side: Side, scope: Scope, name: str) -> None:
        self.side = side
        self.scope = scope
        self.name = name
        #: Every command line sent (for ``fakestash.deviations.find``).
        self.sent: list[list[bytes]] = []

    @property
    def token(self) -> str:
        return self.side.token

    def key(self, name: str) -> str:
        return self.scope.key(f"{self.name}:{name}")

    def channel(self, name: str) -> str:
        return self.scope.channel(f"{self.name}:{name}")

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.side.request(method, path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        if isinstance(body, list) and path in ("/pipeline", "/multi-exec"):
            kwargs.setdefault("commands", max(1, len(body)))
            self.sent += [_argv(row) for row in body if isinstance(row, list)]
        elif isinstance(body, list):
            self.sent.append(_argv(body))
        return self.side.request("POST", path, body=body, **kwargs)

    def cmd(self, *args: Any, **kwargs: Any) -> httpx.Response:
        return self.post("/", list(args), **kwargs)

    def answer(self, *args: Any, **kwargs: Any) -> Any:
        """The JSON body of a command (``{"result": …}`` or ``{"error": …}``)."""
        return body_of(self.cmd(*args, **kwargs))

    def stream(self, path: str, **headers: str) -> StreamReader:
        return self.side.stream(path, headers=headers, timeout=STREAM_TIMEOUT)


def _argv(row: list[Any]) -> list[bytes]:
    return [str(a).encode("utf-8", "replace") if not isinstance(a, bytes) else a for a in row]


def body_of(response: httpx.Response) -> Any:
    """The JSON body, or the text when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return {"not json": response.text}


def status_and_body(response: httpx.Response) -> dict[str, Any]:
    return {"status": response.status_code, "body": body_of(response)}


@dataclass(frozen=True)
class Check:
    """One observation about the wire, made on both sides."""

    id: str
    title: str
    observe: Callable[[Probe], Any]
    #: The open question it settles ("Q1"… in the wire spec, or a deviation id); None for
    #: documented behaviour.
    question: str | None = None
    #: It writes keys (skipped on a read-only run).
    writes: bool = True
    #: It reads a server-sent event stream (skipped where the endpoint has none).
    streams: bool = False
    #: It needs a read-only token.
    read_only: bool = False
    #: The Redis release whose answer it shows (older Redis endpoints skip it).
    since: str | None = None
    #: It publishes (a read-only token may not).
    publishes: bool = False

    @property
    def needs_write_token(self) -> bool:
        return self.writes or self.publishes


CHECKS: list[Check] = []


def check(
    title: str,
    *,
    question: str | None = None,
    writes: bool = True,
    streams: bool = False,
    read_only: bool = False,
    since: str | None = None,
    publishes: bool = False,
) -> Callable[[Callable[[Probe], Any]], Callable[[Probe], Any]]:
    """Register a check; its id is the function's name with dashes. A check writes unless
    it says otherwise."""

    def register(observe: Callable[[Probe], Any]) -> Callable[[Probe], Any]:
        name = observe.__name__.replace("_", "-")
        writes_keys = writes and not publishes
        CHECKS.append(
            Check(name, title, observe, question, writes_keys, streams, read_only, since, publishes)
        )
        return observe

    return register


# ---- request forms ---------------------------------------------------------------------------


@check("POST / with a JSON array runs one command")
def body_form(p: Probe) -> Any:
    k = p.key("k")
    return [p.answer("SET", k, "v"), p.answer("GET", k)]


@check("The path form runs a command; command names are case-insensitive")
def path_form(p: Probe) -> Any:
    k = p.key("k")
    return [body_of(p.request("GET", f"/set/{k}/hello")), body_of(p.request("POST", f"/GeT/{k}"))]


@check("In the path form the body is the last argument and query pairs follow it")
def path_body_and_query(p: Probe) -> Any:
    k = p.key("k")
    first = body_of(p.request("POST", f"/set/{k}?EX=100", content=b"raw value"))
    return [first, p.answer("GET", k), p.answer("TTL", k)]


@check("The token may come in the query (?_token=)", writes=False)
def token_in_query(p: Probe) -> Any:
    path = f"/get/{p.key('k')}?_token={p.token}"
    return status_and_body(p.request("POST", path, headers={"authorization": ""}))


@check("Numbers and booleans in the body are arguments as text")
def numbers_and_booleans(p: Probe) -> Any:
    k = p.key("k")
    return [p.answer("SET", k, 10), p.answer("INCR", k), p.answer("SET", k, True),
            p.answer("GET", k)]  # fmt: skip


# ---- encodings -------------------------------------------------------------------------------


@check("Upstash-Encoding: base64 encodes every string but the OK status")
def base64_encoding(p: Probe) -> Any:
    k, headers = p.key("k"), {"upstash-encoding": "base64"}
    return [p.answer("SET", k, "OK", headers=headers), p.answer("GET", k, headers=headers),
            p.answer("PING", headers=headers), p.answer("EXISTS", k, headers=headers)]  # fmt: skip


@check("Doubles are strings, in their shortest form", since="7.2")
def doubles_are_strings(p: Probe) -> Any:
    k = p.key("z")
    return [p.answer("ZADD", k, 1.5, "m"), p.answer("ZSCORE", k, "m"),
            p.answer("ZINCRBY", k, 0.1, "m")]  # fmt: skip


@check("Upstash-Response-Format: resp2 answers raw RESP2")
def resp2_format(p: Probe) -> Any:
    k = p.key("k")
    p.answer("SET", k, "bar")
    response = p.cmd("GET", k, headers={"upstash-response-format": "resp2"})
    kind = response.headers.get("content-type", "").split(";")[0]
    body = response.content.decode("latin-1")
    return {"status": response.status_code, "type": kind, "body": body}


@check("Invalid UTF-8 is U+FFFD in JSON and exact in base64")
def invalid_utf8(p: Probe) -> Any:
    k = p.key("k")
    p.answer("SET", k, "x")
    p.answer("SETRANGE", k, 0, "\u00ff")  # two UTF-8 bytes: c3 bf
    p.answer("SETRANGE", k, 1, "A")  # leaves a lone c3
    encoded = p.answer("GET", k, headers={"upstash-encoding": "base64"}).get("result")
    raw = base64.b64decode(encoded).hex() if isinstance(encoded, str) else encoded
    return [p.answer("GET", k), raw]


# ---- errors and statuses -----------------------------------------------------------------


@check("A wrong token is 401 WRONGPASS", writes=False)
def bad_token(p: Probe) -> Any:
    return status_and_body(p.cmd("PING", headers={"authorization": "Bearer nope"}))


@check("An unknown command is 400 'Command is not available'", writes=False)
def unknown_command(p: Probe) -> Any:
    return status_and_body(p.cmd("NOTACOMMAND"))


@check("Wrong arity is 400 with Redis' text", writes=False)
def wrong_arity(p: Probe) -> Any:
    return status_and_body(p.cmd("GET"))


@check("A null argument is refused", writes=False)
def null_argument(p: Probe) -> Any:
    return status_and_body(p.post("/", ["GET", None]))


@check("A nested array as an argument is refused", writes=False)
def nested_array_argument(p: Probe) -> Any:
    return status_and_body(p.post("/", [["GET", p.key("k")]]))


@check("Methods other than HEAD/GET/POST/PUT are 405 with an empty body", writes=False)
def other_methods(p: Probe) -> Any:
    response = p.request("DELETE", "/", commands=0)
    return {"status": response.status_code, "body": response.text}


@check("HEAD with a valid token is 200 and empty", writes=False)
def head_request(p: Probe) -> Any:
    response = p.request("HEAD", "/", commands=0)
    return {"status": response.status_code, "body": response.text}


@check("MULTI, EXEC, SUBSCRIBE, WATCH are not allowed over REST", writes=False)
def rest_restricted(p: Probe) -> Any:
    rows = [["MULTI"], ["EXEC"], ["SUBSCRIBE", p.channel("c")], ["WATCH", p.key("k")]]
    return [status_and_body(p.post("/", row)) for row in rows]


@check("Every response carries a sync token, and a write moves it")
def sync_token(p: Probe) -> Any:
    k = p.key("k")
    first = p.cmd("GET", k).headers.get("upstash-sync-token")
    written = p.cmd("SET", k, "v").headers.get("upstash-sync-token")
    return {"present": bool(first) and bool(written), "moved by a write": first != written}


# ---- pipeline and multi-exec -------------------------------------------------------------


@check("A pipeline goes on after an error; always 200")
def pipeline_keeps_going(p: Probe) -> Any:
    k = p.key("k")
    return status_and_body(
        p.post("/pipeline", [["SET", k, "1"], ["INCR", k], ["NOTACMD"], ["GET", k]])
    )


@check("Pipeline items have exactly one of result or error")
def pipeline_items(p: Probe) -> Any:
    k = p.key("k")
    return status_and_body(p.post("/pipeline", [["SET", k, "a"], ["INCR", k], ["GET", k]]))


@check("Runtime errors in /multi-exec are items")
def multi_exec_runtime_errors(p: Probe) -> Any:
    k = p.key("k")
    return status_and_body(p.post("/multi-exec", [["SET", k, "a"], ["INCR", k], ["GET", k]]))


@check("/multi-exec with an unknown command is discarded whole", question="Q4")
def multi_exec_discarded(p: Probe) -> Any:
    k = p.key("k")
    response = p.post("/multi-exec", [["SET", k, "a"], ["NOTACMD"]])
    return {**status_and_body(response), "exists after": p.answer("EXISTS", k)}


@check("base64 applies to pipeline items, not to errors")
def base64_pipeline(p: Probe) -> Any:
    k = p.key("k")
    rows = [["SET", k, "v"], ["GET", k], ["INCR", k]]
    return status_and_body(p.post("/pipeline", rows, headers={"upstash-encoding": "base64"}))


# ---- limits ------------------------------------------------------------------------------


@check("A key over 32 KB is refused with Upstash's text")
def key_size_limit(p: Probe) -> Any:
    return status_and_body(p.cmd("SET", p.key("x" * 32_768), "v"))


# ---- read-only tokens --------------------------------------------------------------------


@check("A read-only token is refused a write", writes=False, read_only=True, question="Q5")
def read_only_write(p: Probe) -> Any:
    return status_and_body(p.cmd("SET", p.key("k"), "v"))


@check("A read-only token reads", writes=False, read_only=True)
def read_only_read(p: Probe) -> Any:
    return status_and_body(p.cmd("GET", p.key("k")))


# ---- server-sent events --------------------------------------------------------------------


def _events(reader: StreamReader, count: int, lines: list[bytes] | None = None) -> list[str]:
    """The next ``count`` events' data (``data: `` lines), recording raw lines if asked."""
    events: list[str] = []
    while len(events) < count:
        line = reader.line()
        if line is None:
            break
        if lines is not None:
            lines.append(line)
        if line.startswith(b"data:"):
            events.append(line[5:].lstrip(b" ").decode("utf-8", "replace"))
    return events


def _subscribed(p: Probe, path: str, publish_to: str, payload: str) -> dict[str, Any]:
    """Open a stream, read its first event, publish, read the next: what each looked like."""
    reader = p.stream(path)
    try:
        if reader.status != 200:
            reader.response.read()
            return status_and_body(reader.response)
        raw: list[bytes] = []
        first = _events(reader, 1, raw)
        published = p.answer("PUBLISH", publish_to, payload)
        # No receiver, no message: do not wait for one.
        second = _events(reader, 1, raw) if published.get("result") else []
        lines = [line.decode("utf-8", "replace") for line in raw]
        return {"status": 200, "events": first + second, "publish": published, "lines": lines}
    finally:
        reader.close()


def _named(value: Any, p: Probe) -> Any:
    """Channel names in an observation as ``<channel>`` (the sides name them alike, but a
    report reads better without the prefix)."""
    if isinstance(value, str):
        return value.replace(p.scope.prefix, "<prefix>")
    if isinstance(value, list):
        return [_named(item, p) for item in value]
    if isinstance(value, dict):
        return {key: _named(item, p) for key, item in value.items()}
    return value


@check("SSE /subscribe: a subscribe event, then messages (payload raw, commas and all)",
       publishes=True, streams=True)  # fmt: skip
def sse_subscribe(p: Probe) -> Any:
    channel = p.channel("news")
    observed = _subscribed(p, f"/subscribe/{channel}", channel, "hello, world")
    observed.pop("lines", None)
    return _named(observed, p)


@check("SSE /psubscribe: psubscribe and pmessage events", publishes=True, streams=True)
def sse_psubscribe(p: Probe) -> Any:
    pattern, channel = p.channel("p*"), p.channel("pa")
    observed = _subscribed(p, f"/psubscribe/{pattern}", channel, "hi")
    observed.pop("lines", None)
    return _named(observed, p)


@check("SSE framing: the raw lines of two events (blank lines between?)", question="Q6",
       publishes=True, streams=True)  # fmt: skip
def sse_framing(p: Probe) -> Any:
    channel = p.channel("framing")
    observed = _subscribed(p, f"/subscribe/{channel}", channel, "x")
    return _named(observed.get("lines", observed), p)


@check("SSE framing of a payload with a line break", question="Q6", publishes=True,
       streams=True)  # fmt: skip
def sse_newline_payload(p: Probe) -> Any:
    channel = p.channel("lines")
    reader = p.stream(f"/subscribe/{channel}")
    try:
        raw: list[bytes] = []
        _events(reader, 1, raw)
        if not p.answer("PUBLISH", channel, "a\nb").get("result"):
            return _named([x.decode("utf-8", "replace") for x in raw], p)
        _events(reader, 1, raw)
        line = reader.line()  # the line after the first data line: more data, or blank
        raw.append(line or b"")
        return _named([x.decode("utf-8", "replace") for x in raw], p)
    finally:
        reader.close()


_MONITOR_TIME = re.compile(r"^\d+\.\d+ ")


@check("SSE /monitor: an \"OK\" event, then each command as Redis' MONITOR prints it",
       writes=False, streams=True)  # fmt: skip
def monitor(p: Probe) -> Any:
    reader = p.stream("/monitor")
    try:
        if reader.status != 200:
            reader.response.read()
            return status_and_body(reader.response)
        first = _events(reader, 1)
        key = p.key("watched")
        p.answer("GET", key)
        for _ in range(MONITOR_LINES):
            event = _events(reader, 1)
            if not event or key in event[0]:
                break
        seen = event[0] if event else None
        return _named([first, _MONITOR_TIME.sub("<time> ", seen) if seen else seen], p)
    finally:
        reader.close()


# ---- open questions (wire spec, "Open questions"): the fake's answer is a choice ----------


@check("Are path segments percent-decoded?", question="Q1")
def percent_decoding(p: Probe) -> Any:
    k = p.key("k")
    return [body_of(p.request("POST", f"/set/{k}/a%20b%3Ac")), p.answer("GET", k)]


@check("Is '+' in a path segment a space?", question="Q1")
def plus_in_path(p: Probe) -> Any:
    k = p.key("k")
    return [body_of(p.request("POST", f"/set/{k}/a+b")), p.answer("GET", k)]


@check("A query key without a value", question="Q1")
def query_key_without_value(p: Probe) -> Any:
    k = p.key("k")
    first = status_and_body(p.request("POST", f"/set/{k}/v?NX"))
    return [first, p.answer("GET", k)]


@check("An empty /pipeline", question="Q2", writes=False)
def empty_pipeline(p: Probe) -> Any:
    return status_and_body(p.post("/pipeline", [], commands=0))


@check("An empty /multi-exec", question="Q2", writes=False)
def empty_multi_exec(p: Probe) -> Any:
    return status_and_body(p.post("/multi-exec", [], commands=0))


@check("An empty command", question="Q2", writes=False)
def empty_command(p: Probe) -> Any:
    return status_and_body(p.post("/", []))


@check("The text of SELECT 1", question="Q3", writes=False)
def select_other_database(p: Probe) -> Any:
    return status_and_body(p.cmd("SELECT", 1))


@check("The 400 of an unknown Upstash-Response-Format", question="Q3", writes=False)
def invalid_response_format(p: Probe) -> Any:
    return status_and_body(p.cmd("PING", headers={"upstash-response-format": "xml"}))


@check("resp2 together with base64", question="Q3", writes=False)
def resp2_with_base64(p: Probe) -> Any:
    headers = {"upstash-response-format": "resp2", "upstash-encoding": "base64"}
    return status_and_body(p.cmd("PING", headers=headers))


@check("An Upstash-Encoding other than base64", question="Q3", writes=False)
def other_encoding(p: Probe) -> Any:
    return status_and_body(p.cmd("ECHO", "x", headers={"upstash-encoding": "hex"}))


@check("Does a read move the sync token?", question="Q7", writes=False)
def sync_token_on_read(p: Probe) -> Any:
    k = p.key("k")
    first = p.cmd("GET", k).headers.get("upstash-sync-token")
    second = p.cmd("GET", k).headers.get("upstash-sync-token")
    return {"moved by a read": first != second}


@check("base64 of an OK status inside an array (a script's table)", question="Q8",
       writes=False)  # fmt: skip
def base64_nested_ok(p: Probe) -> Any:
    script = "return {redis.status_reply('OK'), redis.status_reply('FINE'), 'OK'}"
    return status_and_body(p.cmd("EVAL", script, 0, headers={"upstash-encoding": "base64"}))


@check("JSON numbers become arguments as spelled (1.50 stays 1.50)", question="Q9")
def json_number_spelling(p: Probe) -> Any:
    k = p.key("k")
    first = body_of(p.request("POST", "/", content=f'["SET","{k}",1.50]'.encode()))
    return [first, p.answer("GET", k)]


@check("JSON numbers past 2^53 and in exponent form", question="Q9")
def json_large_numbers(p: Probe) -> Any:
    k1, k2 = p.key("big"), p.key("exp")
    body = f'[["SET","{k1}",9007199254740993],["SET","{k2}",1e21],["GET","{k1}"],["GET","{k2}"]]'
    return status_and_body(p.request("POST", "/pipeline", content=body.encode(), commands=4))


@check("The Content-Type of a JSON answer (charset?)", question="Q10", writes=False)
def content_type(p: Probe) -> Any:
    return p.cmd("PING").headers.get("content-type")


@check("COPY k k answers 0 (deviation copy-same-key)", question="copy-same-key")
def copy_same_key(p: Probe) -> Any:
    k = p.key("k")
    p.answer("SET", k, "v")
    return p.answer("COPY", k, k)
