"""REST conformance: every shipped wire check and open question
(``fakestash._conformance.checks``) observed on the fake, pinned here.

``fakestash conformance`` makes the same observations on a real endpoint and compares them
with the fake's; this file pins what the fake answers, so a change to it is a decision
(the open questions are the fake's choices: a run against a real database settles them).
With a database at hand the same checks run live:

    UPSTASH_REDIS_REST_URL=https://….upstash.io UPSTASH_REDIS_REST_TOKEN=… \\
    FAKESTASH_LIVE_UPSTASH=1 pytest tests/conformance/test_rest_conformance.py -rA
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from fakestash import FakeStash
from fakestash._conformance.checks import CHECKS, Check, Probe
from fakestash._conformance.runner import Options, Runner, _observe, open_target
from fakestash._conformance.scope import Scope
from fakestash._conformance.wire import Side
from fakestash._engine.admission import key_too_large
from fakestash._rest import texts

LIVE_FLAG = "FAKESTASH_LIVE_UPSTASH"
PREFIX = "fakestash-conformance:000000000000:checks:0:"
NOT_AVAILABLE = (
    "ERR Command is not available: '{}'. "
    "See https://upstash.com/docs/redis/overall/rediscompatibility for details"
)
NOT_AN_INTEGER = {"error": "ERR value is not an integer or out of range"}
OK, NONE = {"result": "OK"}, {"result": None}


def _status(status: int, body: Any) -> dict[str, Any]:
    return {"status": status, "body": body}


def _error(status: int, text: str) -> dict[str, Any]:
    return _status(status, {"error": text})


def _restricted(name: str) -> dict[str, Any]:
    return _error(400, f'ERR Command "{name}" is not allowed in REST or it has a special '
                       "context path")  # fmt: skip


def _events(prefix: str, *events: str) -> dict[str, Any]:
    return {"status": 200, "events": [e.format(p=prefix) for e in events], "publish": {"result": 1}}


#: What the fake answers to each check (``<prefix>`` stands for the run's prefix).
EXPECTED: dict[str, Any] = {
    "body-form": [OK, {"result": "v"}],
    "path-form": [OK, {"result": "hello"}],
    "path-body-and-query": [OK, {"result": "raw value"}, {"result": 100}],
    "token-in-query": _status(200, NONE),
    "numbers-and-booleans": [OK, {"result": 11}, OK, {"result": "true"}],
    "base64-encoding": [OK, {"result": "T0s="}, {"result": "UE9ORw=="}, {"result": 1}],
    "doubles-are-strings": [{"result": 1}, {"result": "1.5"}, {"result": "1.6"}],
    "resp2-format": {"status": 200, "type": "application/octet-stream", "body": "$3\r\nbar\r\n"},
    "invalid-utf8": [{"result": "\ufffdA"}, "c341"],
    "bad-token": _error(401, texts.WRONGPASS),
    "unknown-command": _error(400, NOT_AVAILABLE.format("NOTACOMMAND")),
    "wrong-arity": _error(400, "ERR wrong number of arguments for 'get' command"),
    "null-argument": _error(400, texts.NULL_ARG),
    "nested-array-argument": _error(400, texts.unsupported_arg("[")),
    "other-methods": _status(405, ""),
    "head-request": _status(200, ""),
    "rest-restricted": [_restricted(name) for name in ("MULTI", "EXEC", "SUBSCRIBE", "WATCH")],
    "sync-token": {"present": True, "moved by a write": True},
    "pipeline-keeps-going": _status(
        200, [OK, {"result": 2}, {"error": NOT_AVAILABLE.format("NOTACMD")}, {"result": "2"}]
    ),
    "pipeline-items": _status(200, [OK, NOT_AN_INTEGER, {"result": "a"}]),
    "multi-exec-runtime-errors": _status(200, [OK, NOT_AN_INTEGER, {"result": "a"}]),
    "multi-exec-discarded": {
        **_error(400, NOT_AVAILABLE.format("NOTACMD")),
        "exists after": {"result": 0},
    },
    "base64-pipeline": _status(200, [OK, {"result": "dg=="}, NOT_AN_INTEGER]),
    "key-size-limit": _error(400, key_too_large(32768, len(PREFIX) + 32768 + 15)),
    "read-only-write": _error(
        400, "NOPERM this user has no permissions to run the 'set' command or its subcommand"
    ),
    "read-only-read": _status(200, NONE),
    "sse-subscribe": _events(
        "<prefix>sse-subscribe:news", "subscribe,{p},1", "message,{p},hello, world"
    ),
    "sse-psubscribe": _events(
        "<prefix>sse-psubscribe:p", "psubscribe,{p}*,1", "pmessage,{p}*,{p}a,hi"
    ),
    "sse-framing": [
        "data: subscribe,<prefix>sse-framing:framing,1",
        "",
        "data: message,<prefix>sse-framing:framing,x",
    ],
    "sse-newline-payload": [
        "data: subscribe,<prefix>sse-newline-payload:lines,1",
        "",
        "data: message,<prefix>sse-newline-payload:lines,a",
        "data: b",
    ],
    "monitor": [['"OK"'], '<time> [0 0.0.0.0:0] "GET" "<prefix>monitor:watched"'],
    # The open questions: the fake's choices.
    "percent-decoding": [OK, {"result": "a b:c"}],
    "plus-in-path": [OK, {"result": "a+b"}],
    "query-key-without-value": [_error(400, "ERR syntax error"), NONE],
    "empty-pipeline": _status(200, []),
    "empty-multi-exec": _status(200, []),
    "empty-command": _error(400, texts.EMPTY_COMMAND),
    "select-other-database": _error(400, "ERR DB index is out of range"),
    "invalid-response-format": _error(400, texts.bad_response_format("xml")),
    "resp2-with-base64": _error(400, texts.RESP2_WITH_BASE64),
    "other-encoding": _status(200, {"result": "x"}),
    "sync-token-on-read": {"moved by a read": False},
    "base64-nested-ok": _status(200, {"result": ["OK", "RklORQ==", "T0s="]}),
    "json-number-spelling": [OK, {"result": "1.50"}],
    "json-large-numbers": _status(
        200, [OK, OK, {"result": "9007199254740993"}, {"result": "1e21"}]
    ),
    "content-type": "application/json",
    "copy-same-key": {"result": 0},
}


def test_every_check_is_pinned() -> None:
    assert [check.id for check in CHECKS] == list(EXPECTED)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("check", CHECKS, ids=[check.id for check in CHECKS])
def test_the_fake_answers_each_check_as_pinned(check: Check) -> None:
    stash = FakeStash(seed=0)
    side = Side.of_fake(stash, token=stash.readonly_token if check.read_only else None)
    try:
        observed = _observe(check, Probe(side, Scope(PREFIX, "fc0"), check.id))
    finally:
        side.close()
        stash.close()
    assert observed == EXPECTED[check.id]


def _live() -> tuple[str, str] | None:
    url, token = os.environ.get("UPSTASH_REDIS_REST_URL"), os.environ.get(
        "UPSTASH_REDIS_REST_TOKEN"
    )
    return (url, token) if os.environ.get(LIVE_FLAG) == "1" and url and token else None


@pytest.mark.upstash
@pytest.mark.timeout(600)
@pytest.mark.skipif(_live() is None, reason=f"set {LIVE_FLAG}=1 and the Upstash variables")
def test_a_live_database_answers_as_the_fake() -> None:
    live = _live()
    assert live is not None
    target = open_target(*live)
    try:
        report = Runner(target, Options(families=(), sequences=0), say=lambda _: None).run()
    finally:
        target.close()
    print(report.to_text())
    assert report.exit_status == 0, report.to_text()
