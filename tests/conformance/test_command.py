"""``fakestash conformance``, end to end: against an in-process fake reached over httpx (an
endpoint like ``fakestash serve`` or Upstash), against real Redis servers through the
real-Redis backend, with a seeded bug, a read-only token, a shared database, and the
safety stops (a prefix that holds keys, --max-commands, --exclusive on a non-empty one)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, Sequence

import pytest

from fakestash import FakeStash
from fakestash._clock import Clock
from fakestash._conformance import cli
from fakestash._conformance.runner import Options, RunError, Runner, Target, open_target
from fakestash._engine.admission import DIRECT, Caller
from fakestash._engine.database import Database
from fakestash._engine.family import Command
from fakestash._engine.replies import Reply
from tests.conformance.conftest import RedisEndpoint

QUIET: Any = lambda text: None  # noqa: E731
SMALL = {"sequences": 2, "steps": 15}


class OffByOneStrlen(Database):
    """A seeded bug: STRLEN of a non-empty string answers one too many."""

    def run(
        self,
        cmd: Command,
        argv: Sequence[bytes],
        *,
        source: str = "0.0.0.0:0",
        caller: Caller = DIRECT,
    ) -> Reply:
        reply = super().run(cmd, argv, source=source, caller=caller)
        if cmd.name == "strlen" and isinstance(reply, int) and reply > 0:
            return reply + 1
        return reply


def buggy_fake(seed: int, clock: Clock | None) -> FakeStash:
    return FakeStash(seed=seed, clock=clock, database_factory=OffByOneStrlen)


@pytest.fixture
def endpoint() -> Iterator[FakeStash]:
    """Another fake, reached over httpx as a network endpoint is (``fakestash serve``)."""
    stash = FakeStash(seed=1)
    try:
        yield stash
    finally:
        stash.close()


def target_of(stash: FakeStash, token: str | None = None) -> Target:
    return open_target(stash.url, token or stash.token, transport=stash.transport())


def keys_of(stash: FakeStash) -> list[bytes]:
    reply = stash.execute("KEYS", "*")
    assert isinstance(reply, list)
    return sorted(key for key in reply if isinstance(key, bytes))


@pytest.mark.timeout(300)
def test_a_fake_endpoint_matches_the_fake_and_is_left_as_found(endpoint: FakeStash) -> None:
    endpoint.execute("SET", "app:user:1", "alice")
    target = target_of(endpoint)
    report = Runner(target, Options(**SMALL), say=QUIET).run()
    assert report.unexplained == 0, report.to_text()
    assert report.exit_status == 0
    assert [f.name for f in report.families if f.matched == f.sequences == 2] == [
        f.name for f in report.families
    ]
    outcomes = {c.id: c.outcome for c in report.checks}
    assert outcomes["sse-subscribe"] == outcomes["monitor"] == "matched"
    assert outcomes["read-only-write"] == "skipped"
    assert set(outcomes.values()) == {"matched", "skipped"}
    assert keys_of(endpoint) == [b"app:user:1"]
    assert 0 < report.commands_sent <= report.planned_commands
    assert report.against == "upstash" and not report.read_only and not report.exclusive


@pytest.mark.timeout(300)
def test_a_seeded_bug_is_reported_with_a_line_that_reproduces_it(endpoint: FakeStash) -> None:
    options = Options(families=("strings",), checks=(), sequences=5, steps=30)
    report = Runner(target_of(endpoint), options, fake_factory=buggy_fake, say=QUIET).run()
    assert report.exit_status == 1
    [difference, *_] = report.differences()
    assert difference.explained_by is None
    assert difference.command.startswith('"STRLEN" "<p>')
    fake, other = int(difference.fake), int(difference.endpoint)
    assert fake == other + 1
    number = int(difference.where.rsplit(" ", 1)[1])
    assert difference.reproduce == (
        f"fakestash conformance {endpoint.url} --seed 0 --family strings --sequence {number}"
    )
    assert "FAILED: " in report.to_text() and difference.reproduce in report.to_text()
    # The line, given to the command's own parser, runs that one sequence and meets it again.
    args = _parse(difference.reproduce)
    again = Runner(target_of(endpoint), cli._options(args), fake_factory=buggy_fake,
                   say=QUIET).run()  # fmt: skip
    assert [f.sequences for f in again.families] == [1] and not again.checks
    [repeated] = again.differences()
    assert (repeated.command, repeated.fake, repeated.endpoint) == (
        difference.command, difference.fake, difference.endpoint,
    )  # fmt: skip


def _parse(line: str) -> Any:
    import argparse

    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    words = line.split()
    assert words[:2] == ["fakestash", "conformance"]
    return parser.parse_args(words[2:])


@pytest.mark.timeout(300)
def test_a_read_only_token_gets_a_read_only_run(endpoint: FakeStash) -> None:
    report = Runner(target_of(endpoint, endpoint.readonly_token), Options(**SMALL),
                    say=QUIET).run()  # fmt: skip
    assert report.read_only and report.exit_status == 0, report.to_text()
    outcomes = {c.id: c.outcome for c in report.checks}
    assert outcomes["read-only-write"] == outcomes["read-only-read"] == "matched"
    assert outcomes["body-form"] == "skipped"
    strings = next(f for f in report.families if f.name == "strings")
    assert any("read-only" in reason for reason in strings.skipped)
    assert keys_of(endpoint) == []
    assert endpoint.meter.commands > 0


def test_a_prefix_that_holds_keys_stops_the_run(endpoint: FakeStash) -> None:
    prefix = "fakestash-conformance:0123456789ab:"
    endpoint.execute("SET", prefix + "left-over", "x")
    runner = Runner(target_of(endpoint), Options(**SMALL), say=QUIET, prefix=prefix)
    with pytest.raises(RunError, match="already holds keys"):
        runner.run()
    assert keys_of(endpoint) == [prefix.encode() + b"left-over"]


def test_a_run_over_max_commands_stops_before_sending_it(endpoint: FakeStash) -> None:
    said: list[str] = []
    with pytest.raises(RunError, match="more than --max-commands 50"):
        Runner(target_of(endpoint), Options(max_commands=50), say=said.append).run()
    assert endpoint.meter.commands <= 4  # PING, INFO, DBSIZE, SCAN (some are not billed)
    assert "Looking at" in said[0] and "The run will send about" in said[1]


@pytest.mark.timeout(120)
def test_a_run_that_outgrows_its_count_stops_at_max_commands_and_cleans_up(
    endpoint: FakeStash, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The count is exact unless the endpoint answers differently; the cap holds anyway."""
    monkeypatch.setattr(Runner, "_plan", lambda self, families, checks: 10)
    options = Options(families=("functions",), checks=(), sequences=20, max_commands=120)
    report = Runner(target_of(endpoint), options, say=QUIET).run()
    assert any("stopped early: --max-commands 120 reached" in note for note in report.notes)
    [functions] = report.families
    assert 0 < functions.sequences < 20
    assert report.commands_sent - 120 < 60  # only clean-up went past the cap
    assert keys_of(endpoint) == []
    assert endpoint.execute("FUNCTION", "LIST") == []


def test_a_wrong_token_stops_the_run_before_it_starts(endpoint: FakeStash) -> None:
    with pytest.raises(RunError, match="refused the token"):
        Runner(target_of(endpoint, "not-the-token"), Options(), say=QUIET).run()


def test_exclusive_needs_an_empty_database(endpoint: FakeStash) -> None:
    endpoint.execute("SET", "someone-else", "x")
    with pytest.raises(RunError, match="holds 1 keys"):
        Runner(target_of(endpoint), Options(exclusive=True), say=QUIET).run()


# ---- against real Redis servers, through the real-Redis backend ----------------------------


def _conformance(*args: str, timeout: float = 540) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    return subprocess.run(
        [sys.executable, "-m", "fakestash", "conformance", *args],
        capture_output=True, text=True, timeout=timeout, env=env, check=False,
    )  # fmt: skip


@pytest.mark.timeout(600)
def test_the_command_against_redis_finds_only_explained_differences(
    redis_endpoint: RedisEndpoint, tmp_path: Path
) -> None:
    """What CI runs: ``fakestash conformance redis://… --exclusive`` on each oracle, the run
    failing unless every difference is one fakestash/deviations.py explains."""
    server = redis_endpoint.server
    json_path, md_path = tmp_path / "report.json", tmp_path / "report.md"
    done = _conformance(f"redis://{server.host}:{server.port}", "--exclusive",
                        "--report", str(json_path), "--report", str(md_path))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(json_path.read_text())
    assert report["unexplained"] == 0 and report["exit_status"] == 0
    assert report["version"] == server.version and report["against"] == "redis"
    assert all(f["differed"] == 0 for f in report["families"])
    assert {c["explained_by"] for c in report["checks"] if c["outcome"] == "differed"} <= {
        "select-only-zero", "copy-same-key",
    }  # fmt: skip
    assert md_path.read_text().startswith("# fakestash conformance report")
    assert "OK: no unexplained difference" in done.stdout
    assert redis_endpoint.database.send([b"DBSIZE"]) == 0


@pytest.mark.timeout(300)
def test_a_shared_redis_keeps_its_keys_and_functions(redis_endpoint: RedisEndpoint) -> None:
    database = redis_endpoint.database
    for i in range(20):
        database.send([b"SET", b"app:%d" % i, b"v"])
    library = b"#!lua name=applib\nredis.register_function('count', function() return 42 end)"
    database.send([b"FUNCTION", b"LOAD", library])
    server = redis_endpoint.server
    target = open_target(f"redis://{server.host}:{server.port}")
    try:
        report = Runner(target, Options(**SMALL), say=QUIET).run()
    finally:
        target.close()
    assert report.exit_status == 0, report.to_text()
    assert database.send([b"DBSIZE"]) == 20
    assert database.send([b"FCALL", b"count", b"0"]) == 42
    keys = next(f for f in report.families if f.name == "keys")
    assert any(reason.startswith(("DBSIZE", "RANDOMKEY", "SCAN")) for reason in keys.skipped)


# ---- the command line --------------------------------------------------------------------


def test_the_command_needs_an_endpoint(monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    monkeypatch.delenv("UPSTASH_REDIS_REST_URL", raising=False)
    assert cli.main([]) == 2
    assert "no endpoint" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["https://x.upstash.io", "--token", "t", "--report", "r.txt"], ".json or .md"),
        (["https://x.upstash.io"], "needs a token"),
        (["ftp://x"], "not an endpoint URL"),
        (["https://x.upstash.io", "--token", "t", "--families", "nope"], "unknown families"),
    ],
)
def test_the_command_refuses_what_it_cannot_run(
    args: list[str], message: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.delenv("UPSTASH_REDIS_REST_TOKEN", raising=False)
    assert cli.main(args) == 2
    assert message in capsys.readouterr().err


@pytest.mark.timeout(60)
def test_an_unreachable_endpoint_is_exit_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["http://127.0.0.1:9", "--token", "t"]) == 2
    assert "ConnectError" in capsys.readouterr().err


def test_list_names_the_families_and_checks(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "strings" in out and "percent-decoding [Q1]" in out


def test_python_dash_m_fakestash_runs_the_command() -> None:
    done = _conformance("--list", timeout=60)
    assert done.returncode == 0 and "hash-ttl" in done.stdout


# ---- fakestash serve (issue 12): one line in CI once it exists ------------------------------


def _has_serve() -> bool:
    from fakestash import _cli as fakestash_cli

    parser = fakestash_cli.build_parser()
    actions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return any("serve" in getattr(a, "choices", {}) for a in actions)


@pytest.mark.timeout(600)
@pytest.mark.skipif(not _has_serve(), reason="fakestash serve is not there yet (issue 12)")
def test_the_command_against_fakestash_serve_finds_no_difference(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    server = subprocess.Popen(
        [sys.executable, "-m", "fakestash", "serve", "--port", "0", "--env"],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        exported: dict[str, str] = {}
        while len(exported) < 2 and server.stdout is not None:
            line = server.stdout.readline()
            if not line:
                break
            name, _, value = line.removeprefix("export ").strip().partition("=")
            if name in ("UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"):
                exported[name] = value.strip("'\"")
        done = _conformance(exported["UPSTASH_REDIS_REST_URL"], "--token",
                            exported["UPSTASH_REDIS_REST_TOKEN"], "--exclusive")  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert "differed" not in done.stdout.replace("0 differed", "")
    finally:
        server.terminate()
        server.wait(timeout=30)
