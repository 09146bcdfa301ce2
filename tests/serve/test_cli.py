"""The ``fakestash`` command and ``fakestash serve``'s options, as a user runs them."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from fakestash._cli import SUBCOMMANDS, build_parser
from tests.serve.process import ROOT, start_serve

pytestmark = pytest.mark.timeout(120)


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fakestash", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_command_lists_its_subcommands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "serve" in result.stdout
    assert run_cli("--version").stdout.strip() == "fakestash 0.1.0"
    assert run_cli().returncode == 2  # a subcommand is required


def test_each_subcommand_registers_itself() -> None:
    parser = build_parser()
    assert SUBCOMMANDS[0] == "fakestash._serve"
    args = parser.parse_args(["serve", "--port", "0", "--database", "https://a.io"])
    assert (args.port, args.database, args.clock, args.host) == (
        0,
        ["https://a.io"],
        "system",
        "127.0.0.1",
    )


def test_registering_imports_nothing_heavy() -> None:
    code = (
        "import sys; from fakestash._cli import build_parser; build_parser(); "
        "print(sorted(m for m in sys.modules if m.startswith(('fakestash.', 'uvicorn', 'httpx'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == str(
        ["fakestash._cli", "fakestash._clock", "fakestash._conformance", "fakestash._conformance.cli",
         "fakestash._serve"]
    )  # fmt: skip


def test_the_banner_names_the_url_and_tokens() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "fakestash", "serve", "--port", "0", "--token", "tok",
         "--readonly-token", "ro", "--control-token", "ctl", "--database", "https://eu.upstash.io"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(7)]
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    url = lines[0].split()[2]
    assert lines[0] == f"fakestash serve: {url} (Ctrl+C to stop)\n"
    assert url.startswith("http://127.0.0.1:")
    assert lines[1:4] == [
        f"  UPSTASH_REDIS_REST_URL={url}\n",
        "  UPSTASH_REDIS_REST_TOKEN=tok\n",
        "  read-only token: ro\n",
    ]
    assert lines[4] == f"  database 1: {url}/db/1 (or Host: eu.upstash.io)\n"
    assert lines[6] == f"  control: {url}/_fakestash  token: ctl\n"


def test_env_lines_for_every_database() -> None:
    served = start_serve(
        "--database", "https://eu.upstash.io", "--database", "https://us.upstash.io"
    )
    try:
        assert served.env["FAKESTASH_DB2_URL"] == served.url + "/db/2"
        headers = {"Authorization": f"Bearer {served.env['FAKESTASH_DB1_TOKEN']}"}
        reply = httpx.post(
            served.env["FAKESTASH_DB1_URL"], json=["SET", "k", "eu"], headers=headers
        )
        assert reply.json() == {"result": "OK"}
        by_host = httpx.get(served.url + "/get/k", headers={**headers, "Host": "eu.upstash.io"})
        assert by_host.json() == {"result": "eu"}
        assert httpx.get(
            served.url + "/get/k", headers={"Authorization": f"Bearer {served.token}"}
        ).json() == {"result": None}
    finally:
        assert served.stop() == 0


def test_a_data_file_is_loaded_at_start_and_written_on_stop(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    first = start_serve("--token", "tok", "--data", str(data))
    with first.client() as client:
        client.post("/", json=["HSET", "user:1", "name", "alice"])
        client.post("/", json=["SET", "bin", "\u00ff"])
    assert first.stop() == 0
    second = start_serve("--token", "tok", "--data", str(data))
    try:
        with second.client() as client:
            assert client.get("/hget/user:1/name").json() == {"result": "alice"}
            assert client.get("/get/bin").json() == {"result": "\u00ff"}
            client.post("/", json=["DEL", "bin"])
        saved = second.control("POST", "/save")
        assert saved == {"result": "OK", "data_file": str(data)}
        keys = json.loads(data.read_text())["databases"][0]["keys"]
        assert [entry["key"] for entry in keys] == ["user:1"]
    finally:
        assert second.stop() == 0


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"fakestash_snapshot": 1, "databases": [', "is not valid JSON"),
        (
            b'{"hello": 1}',
            'not a fakestash snapshot: expected an object with "fakestash_snapshot": 1',
        ),
        (
            b'{"fakestash_snapshot": 1, "databases": [{"keys": [{"key": "k", "type": "list", "value": []}]}]}',
            "databases[0].keys[0].value: expected a non-empty list",
        ),
    ],
)
def test_a_corrupt_data_file_stops_the_start_and_is_left_alone(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    data = tmp_path / "data.json"
    data.write_bytes(content)
    result = run_cli("serve", "--port", "0", "--data", str(data))
    assert result.returncode == 1
    assert result.stderr.startswith(f"fakestash serve: the data file {data} ")
    assert reason in result.stderr
    assert "(it is left as it is" in result.stderr or "it is left" in result.stderr
    assert data.read_bytes() == content


def test_a_snapshot_with_more_databases_than_served(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text('{"fakestash_snapshot": 1, "databases": [{"keys": []}, {"keys": []}]}')
    result = run_cli("serve", "--port", "0", "--data", str(data))
    assert result.returncode == 1
    assert result.stderr == (
        "fakestash serve: the snapshot has 2 databases; this server has 1 (add the others "
        "first: stash.add_database(...), or fakestash serve --database)\n"
    )


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port))
    assert result.returncode == 1
    assert (
        result.stderr
        == f"fakestash serve: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )


def test_an_injected_connect_error_drops_the_connection_quietly() -> None:
    served = start_serve("--token", "tok", "--control-token", "ctl")
    try:
        served.control("POST", "/faults", json={"fault": "connect_error"})
        with served.client() as client, pytest.raises(httpx.RemoteProtocolError):
            client.get("/get/k")
        with served.client() as client:
            assert client.get("/get/k").json() == {"result": None}
    finally:
        assert served.stop() == 0
    assert "Traceback" not in "".join(served.stderr)
