"""One admission check on every path: the same caller gets the same answer for the same
command as a single command, a pipeline row, a transaction row, a ``redis.call`` inside a
script and an SSE path; the caller travels as a parameter, so threads and requests never see
each other's; Upstash's size limits are checked only where they can be exceeded."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from fakestash import FakeStash, Limits
from fakestash._engine.acl import DEFAULT, DEFAULT_RO
from fakestash._engine.admission import DIRECT, Caller, Script, admit, permitted
from fakestash._engine.registry import Registry
from fakestash._errors import CommandError

NOPERM = "NOPERM this user has no permissions to run the '{}' command or its subcommand"
SCRIPT_DENIED = "ERR The user executing the script can't run this command or subcommand"
RO_TOKEN_RUNS = ["PING", "ECHO", "TIME", "GET", "EXISTS", "TYPE", "ACL|WHOAMI", "COMMAND|COUNT"]
RO_TOKEN_REFUSED = ["KEYS", "SCAN", "SET", "DEL", "PUBLISH", "FLUSHALL", "CONFIG|GET"]
ARGS = {
    "ECHO": ["x"], "GET": ["k"], "EXISTS": ["k"], "TYPE": ["k"], "KEYS": ["*"], "SCAN": ["0"],
    "SET": ["k", "v"], "DEL": ["k"], "PUBLISH": ["ch", "m"], "CONFIG|GET": ["x"],
}  # fmt: skip


def argv_of(name: str) -> list[str]:
    return [*name.split("|"), *ARGS.get(name, [])]


def post(stash: FakeStash, token: str, path: str, body: Any) -> httpx.Response:
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as client:
        return client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("name", RO_TOKEN_RUNS + RO_TOKEN_REFUSED)
def test_the_read_only_token_gets_one_answer_on_every_path(stash: FakeStash, name: str) -> None:
    token, argv = stash.readonly_token, argv_of(name)
    refused = name in RO_TOKEN_REFUSED
    denied = NOPERM.format(argv[0].lower())
    single = post(stash, token, "/", argv).json()
    row = post(stash, token, "/pipeline", [argv]).json()[0]
    batch = post(stash, token, "/multi-exec", [argv]).json()
    script = post(stash, token, "/", ["EVAL_RO", "return redis.pcall(unpack(ARGV))", "0", *argv])
    check = post(
        stash, token, "/", ["EVAL_RO", "return redis.acl_check_cmd(unpack(ARGV))", "0", *argv]
    )
    noscript = "noscript" in Registry.default().lookup([a.encode() for a in argv]).flags
    if refused:
        assert single == {"error": denied}
        assert row == {"error": denied}
        assert batch == {"error": denied}
        assert check.json() == {"result": None}
    else:
        assert "error" not in single and "error" not in row and "error" not in batch[0]
        assert check.json() == {"result": 1}
    if noscript:  # Redis checks this before the user (ACL WHOAMI, CONFIG GET)
        assert script.json() == {"error": "ERR This Redis command is not allowed from script"}
    elif refused:
        assert script.json() == {"error": SCRIPT_DENIED}
    else:
        assert "error" not in script.json()


def test_inside_a_script_the_read_only_token_has_its_own_rule_not_another(
    stash: FakeStash,
) -> None:
    """Before one admission check, scripts had a rule of their own (only @read): PING was
    refused there while the token runs it, KEYS let through while the token may not."""
    token = stash.readonly_token
    ping = post(stash, token, "/", ["EVAL_RO", "return redis.call('PING')", "0"]).json()
    keys = post(stash, token, "/", ["EVAL_RO", "return redis.call('KEYS', '*')", "0"]).json()
    assert ping == {"result": "PONG"}
    assert keys["error"].startswith(SCRIPT_DENIED)


def test_each_request_runs_as_its_own_token_whatever_the_threads_do(stash: FakeStash) -> None:
    """The caller is a parameter: concurrent requests never see each other's user."""
    answers: dict[str, list[str]] = {stash.token: [], stash.readonly_token: []}
    errors: list[BaseException] = []

    def worker(token: str) -> None:
        try:
            for _ in range(20):
                body = [["ACL", "WHOAMI"]] * 5
                answers[token] += [item["result"] for item in post(stash, token, "/pipeline", body).json()]
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in answers for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert set(answers[stash.token]) == {DEFAULT}
    assert set(answers[stash.readonly_token]) == {DEFAULT_RO}
    assert len(answers[stash.token]) == len(answers[stash.readonly_token]) == 200


def test_size_limits_are_checked_where_an_argument_can_exceed_them() -> None:
    stash = FakeStash(limits=Limits(max_key_size=8, max_record_size=16))
    small = post(stash, stash.token, "/pipeline", [["SET", "k", "v"], ["GET", "k"]]).json()
    assert small == [{"result": "OK"}, {"result": "v"}]
    rows = [["SET", "k" * 9, "v"], ["SET", "k", "v" * 17], ["GET", "k" * 9], ["SET", "k", "w"]]
    assert post(stash, stash.token, "/pipeline", rows).json() == [
        {"error": "ERR max key size exceeded. Limit: 8 bytes, Actual: 9 bytes"},
        {"error": "ERR max single record size exceeded"},
        {"error": "ERR max key size exceeded. Limit: 8 bytes, Actual: 9 bytes"},
        {"result": "OK"},
    ]


def test_a_request_that_cannot_exceed_a_limit_checks_nothing_per_command() -> None:
    limits = Limits(max_key_size=100, max_record_size=100)
    assert Caller.for_request(DEFAULT, None, limits, 100) is DIRECT
    assert Caller.for_request(DEFAULT, None, limits, 101).limits is limits
    assert Caller.for_request(DEFAULT_RO, None, limits, 10).read_only


# ---- the order of the checks, and their texts ---------------------------------------------------


def _refusal(caller: Caller, *argv: str) -> str | None:
    raw = [a.encode() for a in argv]
    try:
        admit(caller, Registry.default().lookup(raw), raw)
    except CommandError as exc:
        return exc.text
    return None


def test_inside_a_script_the_checks_come_in_redis_order() -> None:
    ro_script = Caller(DEFAULT_RO).in_script(Script(read_only=True, locked_keys=frozenset({b"a"})))
    assert _refusal(ro_script, "EVAL", "return 1", "0") == (
        "ERR This Redis command is not allowed from script"
    )  # noscript first
    assert _refusal(ro_script, "SET", "a", "v") == SCRIPT_DENIED  # then the user
    writer = DIRECT.in_script(Script(read_only=True))
    assert _refusal(writer, "SET", "a", "v") == (
        "ERR Write commands are not allowed from read-only scripts."
    )  # then the script
    locked = DIRECT.in_script(Script(locked_keys=frozenset({b"a"})))
    assert _refusal(locked, "GET", "b") == (
        "ERR Dynamic keys are not allowed in Lua scripts when 'allow-key-locking' flag is set. "
        "Key was: b"
    )
    assert _refusal(locked, "GET", "a") is None


def test_over_rest_the_texts_are_upstash_s() -> None:
    assert _refusal(Caller(DEFAULT_RO), "SET", "k", "v") == NOPERM.format("set")
    assert _refusal(Caller(DEFAULT_RO), "CONFIG", "GET", "x") == NOPERM.format("config")
    assert _refusal(DIRECT, "FLUSHALL") is None
    assert permitted(Caller(DEFAULT_RO), Registry.default().lookup([b"GET", b"k"]), [b"GET"])


def test_a_user_made_with_setuser_needs_its_users() -> None:
    with pytest.raises(ValueError, match="needs the users it is one of"):
        Caller("app")
