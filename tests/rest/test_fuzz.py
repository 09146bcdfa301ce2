"""Fuzzing the REST face: whatever a request holds, the fake answers as Upstash does.

Every request gets an Upstash-shaped reply and nothing escapes the transport: JSON with
exactly one ``result`` (200) or ``error`` (otherwise), one such object per row for a
pipeline or transaction, valid RESP2 in resp2 mode, an empty 405 for other methods, an
event stream for SSE. The JSON must be what a strict client parses (UTF-8, no lone
surrogates); the server must still answer afterwards and never be left holding its lock.

Requests vary paths (percent-encoded bytes, empty segments), query strings, methods,
tokens and their placement, headers (repeated, unknown values, base64, resp2), hosts,
and bodies: commands drawn from the command table with arguments from a pool of
keywords, numbers, scripts and JSON, plus random text and bytes; bodies deep, invalid,
over the size limit, not UTF-8, with NaN and odd numbers; pipelines and transactions.

Hypothesis runs derandomized: a few thousand cases in CI, the same every run. For more:

    HYPOTHESIS_PROFILE=deep python -m pytest tests/rest/test_fuzz.py    # 20x the cases
    FAKESTASH_FUZZ_EXAMPLES=50000 FAKESTASH_FUZZ_SEED=7 python -m pytest tests/rest/test_fuzz.py

(the seed draws other cases than the derandomized ones). Figures: docs/rest-api.md.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Callable, TypeVar
from urllib.parse import quote, quote_plus

import httpx
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from fakestash import FakeStash, Limits
from fakestash._engine.registry import Registry

T = TypeVar("T")

# ---- how many cases ---------------------------------------------------------------------------

_DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
_EXAMPLES = int(os.environ.get("FAKESTASH_FUZZ_EXAMPLES", "0"))
_SEED = os.environ.get("FAKESTASH_FUZZ_SEED")


def fuzz(ci_examples: int) -> Callable[[T], T]:
    """Settings for one fuzz test: ``ci_examples`` cases, 20x under the deep profile."""
    examples = _EXAMPLES or (ci_examples * 20 if _DEEP else ci_examples)
    chosen = settings(
        max_examples=examples,
        derandomize=_SEED is None,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )

    def apply(test: T) -> T:
        test = chosen(test)  # type: ignore[arg-type]
        return seed(int(_SEED))(test) if _SEED is not None else test  # type: ignore[arg-type]

    return apply


# ---- what a request holds -----------------------------------------------------------------------

METHODS = ["POST"] * 24 + ["GET"] * 3 + ["PUT", "HEAD", "DELETE", "PATCH", "OPTIONS"]
ALLOWED = {"HEAD", "GET", "POST", "PUT"}
SMALL_LIMITS = Limits(max_request_size=4096, max_key_size=48, max_record_size=512)

#: Every command and subcommand, with the number of arguments its arity asks for at least.
NAMES = sorted(
    [(top.name, abs(top.arity) - 1) for top in Registry.default() if not top.subcommands]
    + [
        (f"{top.name} {sub.name.split('|')[1]}", abs(sub.arity) - 2)
        for top in Registry.default()
        for sub in top.subcommands.values()
    ]
    + [(odd, 0) for odd in ("notacmd", "", "multi", "\u00e9", "\ufffd", "GET\x00", "script")]
)
KEYS = ["k", "k2", "h", "l", "s", "z", "st", "j", "geo", "{k}", "k" * 60]
WORDS = (  # noqa: SIM905  (a list of words reads best as words)
    "EX PX EXAT PXAT NX XX GT LT CH INCR KEEPTTL GET WITHSCORES WITHSCORE LIMIT COUNT MATCH "
    "TYPE BYSCORE BYLEX REV STORE STOREDIST FROMMEMBER FROMLONLAT BYRADIUS BYBOX WITHCOORD "
    "WITHDIST WITHHASH ASC DESC ANY m km ft mi MKSTREAM JUSTID FIELDS FNX FXX OVERFLOW SAT "
    "WRAP FAIL u8 i64 i5 #0 #1 AND OR XOR NOT DIFF DIFF1 ANDOR ONE LEFT RIGHT BEFORE AFTER "
    "MAXLEN MINID ~ = * + - $ > ( [ [a (1 0-0 0-1 1-* IDLE TIME RETRYCOUNT FORCE "
    "ENTRIESREAD NOMKSTREAM LEN IDX MINMATCHLEN WITHMATCHLEN REPLACE ABSTTL FREQ FLUSH SYNC "
    "ASYNC LIBRARYNAME WITHCODE ON OFF on off >pw <pw +@all -@all +get -set ~* %R~* &* "
    "allkeys allchannels resetkeys nopass reset NOVALUES PERSIST CONSUMERS GROUPS STREAM "
    "FULL HELP SCHEMA TEXT TAG NUMERIC ON HASH JSON PREFIX FILTER SORTBY RETURN "
    "notify-keyspace-events KEA SAMPLES USAGE cat channels numsub numpat"
).split()
NUMBERS = [
    "0", "1", "-1", "2", "3", "7", "10", "100", "-100", "1.5", "-0.5", "0.0", "-0", "1e3",
    "1E-2", "inf", "-inf", "+inf", "nan", "NaN", "9223372036854775807", "9223372036854775808",
    "-9223372036854775809", "18446744073709551616", "1e400", "-1e400", "0x10", " 1", "01",
    "1.", ".5", "1_000", "13.361389", "38.115556", "180.1", "-85.1",
]  # fmt: skip
SCRIPTS = [
    "return 1",
    "return redis.call('GET', KEYS[1])",
    "return redis.pcall('INCR', KEYS[1])",
    "return {1, 'a', {2, {3}}, false, 1.5}",
    "return redis.status_reply(ARGV[1])",
    "return redis.error_reply(ARGV[1])",
    "error(ARGV[1])",
    "return {err = ARGV[1]}",
    "return cjson.encode({a = ARGV[1]})",
    "return cjson.decode(ARGV[1])",
    "return redis.sha1hex(ARGV[1])",
    "return struct.pack('>I', 1)",
    "return tostring(nil) .. #KEYS",
    "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])",
    "#!lua name=lib\nredis.register_function('f', function(k, a) return a[1] end)",
    "return redis.call(unpack(ARGV))",
]
JSON_TEXTS = [
    '{"a":1}', "[1,2,3]", '"s"', "1", "null", "true", '{"a":{"b":[1,{"c":2}]}}',
    "[" * 200 + "]" * 200, "[" * 3000 + "]" * 3000, '{"a":' * 150 + "1" + "}" * 150,
    "nope", "[1,", '"\\ud800"', "1e999", "$", "$.a", "$..b", "$.a[0]", ".a", "$[*]",
]  # fmt: skip

#: A value of every type under the usual keys, so commands reach their real work.
SETUP = [
    ("SET", "k", "12"),
    ("RPUSH", "l", "a", "b", "c"),
    ("HSET", "h", "f", "1", "g", "x"),
    ("SADD", "s", "a", "b", "1"),
    ("ZADD", "z", "1", "a", "2.5", "b"),
    ("XADD", "st", "1-1", "f", "v"),
    ("JSON.SET", "j", "$", '{"a":[1,{"b":2}],"s":"x"}'),
    ("GEOADD", "geo", "13.361389", "38.115556", "Palermo"),
    ("PFADD", "k2", "a", "b"),
]
POOL = KEYS + WORDS + NUMBERS + SCRIPTS + JSON_TEXTS
text_arg = st.text(max_size=12)
bytes_arg = st.binary(max_size=12)
arg = st.one_of(st.sampled_from(POOL), st.sampled_from(POOL), text_arg, bytes_arg)


@st.composite
def argv(draw: st.DrawFn) -> list[str | bytes]:
    """A command: a name from the table (any case), a key, and about as many arguments as
    its arity asks for (sometimes fewer or many more)."""
    name, needed = draw(st.sampled_from(NAMES))
    if draw(st.booleans()):
        name = name.upper()
    count = draw(st.sampled_from([needed, needed, needed + 1, needed + 2, needed + 4]))
    count = draw(st.integers(0, 12)) if draw(st.integers(0, 9)) == 0 else count
    args = draw(st.lists(arg, min_size=count, max_size=count))
    if args and draw(st.integers(0, 3)) > 0:
        args[0] = draw(st.sampled_from(KEYS))
    return [*name.split(" "), *args]


def json_string(value: str | bytes) -> bytes:
    """A JSON string literal; bytes go in raw (escaped where JSON needs it), so they may
    not be UTF-8."""
    if isinstance(value, bytes):
        escaped = b"".join(
            b"\\u%04x" % byte if byte < 0x20 or byte in b'"\\' else bytes([byte])
            for byte in value
        )
        return b'"' + escaped + b'"'
    return json.dumps(value).encode()


def deep(depth: int, closed: bool = True) -> bytes:
    return b"[" * depth + (b"]" * depth if closed else b"")


odd_json = st.sampled_from(
    [b"NaN", b"-Infinity", b"Infinity", b"1e999", b"-0", b"01", b"0.5e", b"true", b"false",
     b"null", b"{}", b'{"a":1}', b"[]", b"[1]", b'"\\ud800"', b'"\\x"', b"'s'", b"\xff"]
)  # fmt: skip


@st.composite
def json_item(draw: st.DrawFn) -> bytes:
    """One element of a JSON command array: mostly strings, sometimes anything else."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(odd_json)
    if kind == 1:
        return str(draw(st.integers(-(2**70), 2**70))).encode()
    if kind == 2:
        return deep(draw(st.integers(1, 2000)), closed=draw(st.booleans()))
    return json_string(draw(arg))


@st.composite
def json_command(draw: st.DrawFn) -> bytes:
    words = [json_string(word) for word in draw(argv())]
    if draw(st.integers(0, 3)) == 0:
        words += draw(st.lists(json_item(), min_size=1, max_size=3))
    if draw(st.integers(0, 9)) == 0:
        words = draw(st.permutations(words))
    return b"[" + b",".join(words) + b"]"


@st.composite
def batch_body(draw: st.DrawFn) -> bytes:
    rows: list[bytes] = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.integers(0, 7))
        if kind == 0:
            rows.append(draw(st.sampled_from([b"1", b'"GET"', b"null", b"{}", b"[]", b"NaN"])))
        elif kind == 1:
            rows.append(deep(draw(st.integers(2, 3000))))
        else:
            rows.append(draw(json_command()))
    return b"[" + b",".join(rows) + b"]"


@st.composite
def odd_body(draw: st.DrawFn) -> bytes:
    """Bodies that are not a plain command: deep, invalid, huge, not UTF-8, odd numbers."""
    kind = draw(st.integers(0, 7))
    if kind == 0:
        return deep(draw(st.integers(1, 20_000)), closed=draw(st.booleans()))
    if kind == 1:
        return draw(st.binary(max_size=80))
    if kind == 2:
        return b'["SET","k","' + b"x" * draw(st.integers(3000, 6000)) + b'"]'
    if kind == 3:
        return b"[" * draw(st.integers(2000, 6000)) + draw(st.binary(max_size=8))
    if kind == 4:
        return draw(st.sampled_from([b"", b" ", b"\n", b"{}", b'"x"', b"1", b"null", b"[]"]))
    if kind == 5:
        return b'["SET","k",' + draw(odd_json) + b"]"
    if kind == 6:
        return draw(json_command()) + draw(st.sampled_from([b"", b" ", b"]", b"x", b"\xff"]))
    return draw(batch_body())


def segment(value: str | bytes) -> str:
    raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return quote(raw, safe="")


@st.composite
def query(draw: st.DrawFn) -> str:
    pairs = draw(st.lists(st.tuples(arg, arg), max_size=3))
    parts = [f"{quote_plus(segment(k), safe='%')}={quote_plus(segment(v), safe='%')}" for k, v in pairs]
    parts += draw(st.lists(st.sampled_from(["EX=100", "NX", "a+b=c", "%zz=1", "=", "&"]), max_size=2))
    return "?" + "&".join(parts) if parts else ""


@dataclass
class Req:
    """A request and the facts the checks need."""

    method: str
    path: str
    body: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    host: str = ""
    small_limits: bool = False

    @property
    def batch(self) -> bool:
        return self.path.split("?")[0].rstrip("/").lower() in ("/pipeline", "/multi-exec")


#: Mostly the standard token as the SDK sends it; then the read-only one, other spellings,
#: and the ways to get it wrong.
AUTHORIZATIONS: list[bytes | None] = (
    [b"Bearer {std}"] * 30
    + [b"Bearer {ro}"] * 4
    + [b"{std}", b"bearer  {std} ", b"{ro}", None, b"Bearer wrong", b"Basic {std}", b"", b"Bearer "]
)


@st.composite
def auth_headers(draw: st.DrawFn) -> list[tuple[bytes, bytes]]:
    """Authorization (any placement and spelling), encodings and formats."""
    headers: list[tuple[bytes, bytes]] = []
    auth = draw(st.sampled_from(AUTHORIZATIONS))
    if auth is not None:
        headers.append((b"Authorization", auth))
    if draw(st.integers(0, 19)) == 0:
        headers.append((b"authorization", draw(st.sampled_from([b"Bearer wrong", b"{std}"]))))
    if draw(st.integers(0, 3)) == 0:
        value = draw(st.sampled_from([b"base64"] * 4 + [b"BASE64 ", b"none", b"", b"\xff"]))
        headers.append((b"Upstash-Encoding", value))
    if draw(st.integers(0, 5)) == 0:
        value = draw(st.sampled_from([b"resp2"] * 4 + [b"json", b"RESP2", b"xml", b"\xfe", b""]))
        headers.append((b"Upstash-Response-Format", value))
    if draw(st.integers(0, 4)) == 0:
        headers.append((b"Accept", draw(st.sampled_from([b"text/event-stream", b"*/*"]))))
    if draw(st.integers(0, 5)) == 0:
        headers.append((b"Upstash-Sync-Token", draw(st.binary(max_size=8)).hex().encode()))
    return headers


@st.composite
def command_request(draw: st.DrawFn) -> Req:
    """A command in the path (with query and body) or in a JSON body at ``/``."""
    method = draw(st.sampled_from(METHODS))
    headers = draw(auth_headers())
    if draw(st.booleans()):
        words = draw(argv())
        path = "/" + "/".join(segment(word) for word in words)
        path += draw(st.sampled_from(["", "", "", "", "/", "//x"]))
        path += draw(query()) if draw(st.integers(0, 2)) == 0 else ""
        body = draw(st.binary(max_size=40)) if draw(st.integers(0, 2)) == 0 else b""
        return Req(method, path, body, headers)
    path = "/" + (draw(query()) if draw(st.integers(0, 4)) == 0 else "")
    return Req(method, path, draw(json_command()), headers)


@st.composite
def batch_request(draw: st.DrawFn) -> Req:
    path = draw(st.sampled_from(["/pipeline", "/multi-exec", "/PIPELINE", "/multi-exec/"]))
    return Req("POST", path, draw(batch_body()), draw(auth_headers()))


@st.composite
def body_request(draw: st.DrawFn) -> Req:
    path = draw(st.sampled_from(["/", "/pipeline", "/multi-exec", "/set/k"]))
    return Req(
        draw(st.sampled_from(["POST", "POST", "PUT", "GET"])),
        path,
        draw(odd_body()),
        draw(auth_headers()),
        small_limits=draw(st.booleans()),
    )


@st.composite
def edge_request(draw: st.DrawFn) -> Req:
    """Methods, hosts, tokens in the query, streams, odd paths."""
    path = draw(
        st.sampled_from(
            ["/", "/ping", "/subscribe/chat", "/psubscribe/c*/d", "/monitor", "/subscribe",
             "/monitor/x", "/echo/%ff%fe", "/acl/setuser/u/%ff%fe", "//", "/%2F/%00",
             "/get/k?_token={std}", "/get/k?_token={ro}&_token=wrong", "/set/k/v?_token=wrong",
             "/eval/return%20redis.status_reply(ARGV[1])/0/a%0d%0ab",
             "/eval/return%20redis.error_reply(ARGV[1])/0/%ff%0d%0a"]
        )
    )  # fmt: skip
    host = draw(st.sampled_from(["", "", "", "{name}.:443", "{name}:8443", "other.example.com"]))
    return Req(
        draw(st.sampled_from(METHODS)),
        path,
        draw(st.one_of(st.just(b""), st.binary(max_size=20), json_command())),
        draw(auth_headers()),
        host=host,
    )


# ---- sending, and what every answer must look like ----------------------------------------------


def send(req: Req) -> None:
    """Send ``req`` to a fresh server; fail unless the answer is Upstash-shaped."""
    stash = FakeStash(seed=0, limits=SMALL_LIMITS if req.small_limits else None)
    stash.broker().idle_timeout = 0.0  # a stream ends once what is queued is read
    for setup in SETUP:
        stash.execute(*setup)
    host = stash.url.partition("://")[2]
    fill = {"std": stash.token, "ro": stash.readonly_token, "name": host}
    url = "https://" + (req.host.format(**fill) if req.host else host) + req.path.format(**fill)
    headers = [(k, v.replace(b"{std}", stash.token.encode()).replace(b"{ro}", stash.readonly_token.encode())) for k, v in req.headers]  # fmt: skip
    try:
        request = httpx.Request(req.method, url, content=req.body, headers=headers)
    except (httpx.InvalidURL, UnicodeEncodeError):
        return  # httpx itself refuses to build it: no request reaches a transport
    try:
        response = stash.handle_request(request)
        check_answer(req, request, response)
    finally:
        stash.close()
    assert not stash.lock._is_owned(), "the server lock is still held"  # type: ignore[attr-defined]
    after = stash.handle_request(
        httpx.Request("POST", stash.url, content=b'["PING"]', headers={"authorization": stash.token})
    )
    assert after.json() == {"result": "PONG"}, "the server no longer answers"


def check_answer(req: Req, request: httpx.Request, response: httpx.Response) -> None:
    assert isinstance(response, httpx.Response)
    if req.method not in ALLOWED:
        assert (response.status_code, response.read()) == (405, b"")
        return
    kind = response.headers.get("content-type")
    if kind == "text/event-stream":
        assert response.status_code == 200
        lines = b"".join(response.iter_bytes()).split(b"\n")
        assert all(line == b"" or line.startswith(b"data: ") for line in lines), lines
        return
    body = response.read()
    assert response.headers["content-length"] == str(len(body))
    if req.method == "HEAD" and response.status_code == 200:
        assert body == b""
        return
    if kind == "application/octet-stream":
        check_resp2(response.status_code, body)
        return
    assert kind == "application/json", (response.status_code, kind, body[:200])
    check_json(req, response.status_code, strict_json(body))


def strict_json(body: bytes) -> Any:
    """JSON as Go or a browser reads it: UTF-8, no NaN, no lone surrogate escapes."""
    def refuse(name: str) -> Any:
        raise AssertionError(f"{name} in a reply")

    data = json.loads(body.decode("utf-8"), parse_constant=refuse)
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # a lone surrogate raises here
    return data


def check_json(req: Req, status: int, data: Any) -> None:
    assert status in (200, 400, 401, 421), status
    if status == 200 and req.batch:
        assert isinstance(data, list), data
        for item in data:
            assert isinstance(item, dict) and len(item) == 1, item
            assert set(item) <= {"result", "error"}, item
            assert "error" not in item or isinstance(item["error"], str), item
        return
    assert isinstance(data, dict) and len(data) == 1, data
    if status == 200:
        assert "result" in data, data
    else:
        assert isinstance(data.get("error"), str) and data["error"], data


def check_resp2(status: int, body: bytes) -> None:
    assert status in (200, 400), status
    rest = body
    count = 0
    while rest:
        first = rest[:1]
        rest = read_resp2(rest)
        count += 1
        if status == 400:
            assert first == b"-" and rest == b"", body[:200]
    assert count >= 1 or status == 200, body  # an empty pipeline is no reply at all


def read_resp2(data: bytes) -> bytes:
    """Check one RESP2 value at the front of ``data``; return what follows it."""
    line, sep, rest = data.partition(b"\r\n")
    assert sep, f"unterminated RESP2 line: {data[:80]!r}"
    kind, head = line[:1], line[1:]
    assert b"\r" not in head and b"\n" not in head, line
    if kind in (b"+", b"-"):
        return rest
    if kind == b":":
        int(head)
        return rest
    if kind == b"$":
        size = int(head)
        if size < 0:
            return rest
        assert rest[size : size + 2] == b"\r\n", data[:80]
        return rest[size + 2 :]
    assert kind == b"*", f"not RESP2: {data[:80]!r}"
    for _ in range(max(int(head), 0)):
        rest = read_resp2(rest)
    return rest


# ---- the fuzz tests -------------------------------------------------------------------------------


@pytest.mark.timeout(900)
@fuzz(ci_examples=1000)
@given(command_request())
def test_fuzzed_commands_get_upstash_shaped_answers(req: Req) -> None:
    send(req)


@pytest.mark.timeout(900)
@fuzz(ci_examples=700)
@given(batch_request())
def test_fuzzed_pipelines_and_transactions_get_upstash_shaped_answers(req: Req) -> None:
    send(req)


@pytest.mark.timeout(900)
@fuzz(ci_examples=700)
@given(body_request())
def test_fuzzed_bodies_get_upstash_shaped_answers(req: Req) -> None:
    send(req)


@pytest.mark.timeout(900)
@fuzz(ci_examples=600)
@given(edge_request())
def test_fuzzed_methods_hosts_tokens_and_streams_get_upstash_shaped_answers(req: Req) -> None:
    send(req)
