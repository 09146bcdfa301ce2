"""The read-only token is refused every write, on every route: path form, JSON body,
pipeline, multi-exec, and through EVAL_RO and FCALL_RO scripts.

Table-driven: every command (and subcommand) the command table flags as a write, called
with a valid number of arguments, so what answers is the permission check and nothing
else. The texts inside scripts are Redis 7.0's for a user without write permissions
(checked against redis-server 7.0.15 with an ACL user ``+@read +eval_ro +fcall_ro``).
"""

from __future__ import annotations

import hashlib
from typing import Iterator
from urllib.parse import quote

import httpx
import pytest

from fakestash import FakeStash
from fakestash._engine.family import NOSCRIPT, Command
from fakestash._engine.registry import Registry

WRITES = sorted(
    (
        cmd
        for top in Registry.default()
        for cmd in (top, *top.subcommands.values())
        if cmd.is_write and cmd.served
    ),
    key=lambda cmd: cmd.name,
)
CALL_ARGV = "return redis.call(unpack(ARGV))"
LIBRARY = (
    "#!lua name=rolib\n"
    "redis.register_function{function_name='call', flags={'no-writes'},\n"
    "  callback=function(keys, args) return redis.call(unpack(args)) end}"
)
ACL_DENIED = "ERR The user executing the script can't run this command or subcommand"
NOT_FROM_SCRIPT = "ERR This Redis command is not allowed from script"


def argv_for(cmd: Command) -> list[str]:
    """The command's name (and subcommand) and just enough arguments for its arity."""
    words = [part.upper() for part in cmd.name.split("|")]
    arity = cmd.arity if cmd.arity > 0 else -cmd.arity
    return words + ["k"] * (arity - len(words))


def noperm(cmd: Command) -> str:
    return (
        f"NOPERM this user has no permissions to run the '{cmd.name.split('|')[0]}' command "
        "or its subcommand"
    )


@pytest.fixture(scope="module")
def stash() -> Iterator[FakeStash]:
    """One server for the module: every attempt must leave it exactly as it was."""
    server = FakeStash(seed=0)
    server.execute("FUNCTION", "LOAD", LIBRARY)
    server.execute("SET", "k", "before")
    version = server.database.version
    yield server
    assert server.database.version == version, "a refused write changed the database"
    assert server.execute("DBSIZE") == 1
    assert server.execute("GET", "k") == b"before"
    server.close()


@pytest.fixture(scope="module")
def ro(stash: FakeStash) -> Iterator[httpx.Client]:
    with httpx.Client(
        transport=stash.transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.readonly_token}"},
    ) as client:
        yield client


def test_the_table_has_writes_to_refuse() -> None:
    assert len(WRITES) > 100
    assert {"set", "del", "xgroup|create", "function|load", "json.set"} <= {c.name for c in WRITES}


@pytest.mark.parametrize("cmd", WRITES, ids=lambda cmd: cmd.name)
def test_path_form_refuses_the_write(ro: httpx.Client, cmd: Command) -> None:
    path = "/" + "/".join(quote(word, safe="") for word in argv_for(cmd))
    response = ro.post(path)
    assert (response.status_code, response.json()) == (400, {"error": noperm(cmd)})


@pytest.mark.parametrize("cmd", WRITES, ids=lambda cmd: cmd.name)
def test_json_body_refuses_the_write(ro: httpx.Client, cmd: Command) -> None:
    response = ro.post("/", json=argv_for(cmd))
    assert (response.status_code, response.json()) == (400, {"error": noperm(cmd)})


@pytest.mark.parametrize("cmd", WRITES, ids=lambda cmd: cmd.name)
def test_pipeline_refuses_the_write_and_runs_the_rest(ro: httpx.Client, cmd: Command) -> None:
    response = ro.post("/pipeline", json=[["GET", "k"], argv_for(cmd), ["GET", "k"]])
    assert response.status_code == 200
    assert response.json() == [{"result": "before"}, {"error": noperm(cmd)}, {"result": "before"}]


@pytest.mark.parametrize("cmd", WRITES, ids=lambda cmd: cmd.name)
def test_multi_exec_refuses_the_write_and_discards_the_rest(
    ro: httpx.Client, cmd: Command
) -> None:
    response = ro.post("/multi-exec", json=[["GET", "k"], argv_for(cmd)])
    assert (response.status_code, response.json()) == (400, {"error": noperm(cmd)})


@pytest.mark.parametrize("cmd", WRITES, ids=lambda cmd: cmd.name)
def test_eval_ro_refuses_the_write(ro: httpx.Client, cmd: Command) -> None:
    response = ro.post("/", json=["EVAL_RO", CALL_ARGV, "0", *argv_for(cmd)])
    refusal = NOT_FROM_SCRIPT if NOSCRIPT in cmd.flags else ACL_DENIED
    where = f"script: {hashlib.sha1(CALL_ARGV.encode()).hexdigest()}, on @user_script:1."
    assert (response.status_code, response.json()) == (400, {"error": f"{refusal} {where}"})


@pytest.mark.parametrize("cmd", WRITES, ids=lambda cmd: cmd.name)
def test_fcall_ro_refuses_the_write(ro: httpx.Client, cmd: Command) -> None:
    response = ro.post("/", json=["FCALL_RO", "call", "0", *argv_for(cmd)])
    refusal = NOT_FROM_SCRIPT if NOSCRIPT in cmd.flags else ACL_DENIED
    where = "script: call, on @user_function:3."  # the callback's line
    assert (response.status_code, response.json()) == (400, {"error": f"{refusal} {where}"})


@pytest.mark.parametrize("route", ["EVAL_RO", "FCALL_RO"])
def test_scripts_still_read_for_the_read_only_token(ro: httpx.Client, route: str) -> None:
    head = ["EVAL_RO", CALL_ARGV] if route == "EVAL_RO" else ["FCALL_RO", "call"]
    assert ro.post("/", json=[*head, "0", "GET", "k"]).json() == {"result": "before"}


def test_eval_and_fcall_themselves_are_refused(ro: httpx.Client) -> None:
    for argv, name in ((["EVAL", "return 1", "0"], "eval"), (["FCALL", "call", "0"], "fcall")):
        response = ro.post("/", json=argv)
        assert response.json() == {
            "error": f"NOPERM this user has no permissions to run the '{name}' command "
            "or its subcommand"
        }
