"""The control surface (``/_fakestash``) in-process, over ``httpx.ASGITransport``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest

from fakestash import FakeStash, ManualClock, SystemClock
from fakestash._asgi import asgi_app

pytestmark = pytest.mark.timeout(30)

URL = "http://127.0.0.1:8079"


@pytest.fixture
def stash() -> FakeStash:
    return FakeStash(url=URL, token="tok", readonly_token="ro", clock="manual")


@pytest.fixture
async def client(stash: FakeStash, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = asgi_app(stash, control_token="ctl", data_file=str(tmp_path / "data.json"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=URL) as c:
        yield c


async def control(
    client: httpx.AsyncClient, method: str, path: str = "", status: int = 200, **kwargs: Any
) -> Any:
    response = await client.request(
        method, "/_fakestash" + path, headers={"Authorization": "Bearer ctl"}, **kwargs
    )
    assert response.status_code == status, response.text
    return response.json()


async def rest(client: httpx.AsyncClient, *command: Any) -> Any:
    response = await client.post("/", json=list(command), headers={"Authorization": "Bearer tok"})
    return response.json()


async def test_the_control_surface_needs_its_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/_fakestash")
    assert response.status_code == 401
    assert response.json() == {"error": "the control surface needs its token (--control-token)"}
    bad = await client.get("/_fakestash", headers={"Authorization": "Bearer tok"})
    assert bad.status_code == 401
    assert (await client.get("/_fakestash?_token=ctl")).status_code == 200


async def test_info_lists_the_databases(stash: FakeStash, client: httpx.AsyncClient) -> None:
    stash.add_database(url="https://eu.upstash.io", token="eu", readonly_token="eu-ro")
    info = await control(client, "GET")
    assert info["seed"] == 0
    assert info["clock"] == {"kind": "manual", "now_ms": 1_700_000_000_000}
    assert info["databases"] == [
        {"db": 0, "url": URL, "path": "/db/0", "token": "tok", "readonly_token": "ro"},
        {"db": 1, "url": "https://eu.upstash.io", "path": "/db/1", "token": "eu",
         "readonly_token": "eu-ro"},
    ]  # fmt: skip


async def test_unknown_routes_and_methods(client: httpx.AsyncClient) -> None:
    missing = await control(client, "GET", "/nothing", status=404)
    assert missing["error"].startswith("no control route /_fakestash/nothing; routes: ")
    wrong = await control(client, "DELETE", "/clock", status=405)
    assert wrong == {"error": "/_fakestash/clock takes GET, PUT, not DELETE"}
    bad = await control(client, "PUT", "/clock", status=400, content=b"{nope")
    assert bad["error"].startswith("the body is not JSON: ")


async def test_reset_empties_everything_and_reseeds(
    stash: FakeStash, client: httpx.AsyncClient
) -> None:
    await rest(client, "SET", "k", "v")
    await rest(client, "SCRIPT", "LOAD", "return 1")
    await rest(client, "PUBLISH", "chat", "hi")
    assert await control(client, "POST", "/reset", json={"seed": 5}) == {"result": "OK", "seed": 5}
    assert stash.seed == 5
    assert await rest(client, "DBSIZE") == {"result": 0}
    exists = await rest(client, "SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db")
    assert exists == {"result": [0]}
    meter = await control(client, "GET", "/meter")
    assert meter["commands"] == 2  # the two commands since the reset
    assert (await control(client, "GET", "/published"))["messages"] == []
    assert (await control(client, "GET", "/monitor"))["commands"] == [
        ["DBSIZE"],
        ["SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"],
    ]


async def test_the_same_seed_gives_the_same_draws(client: httpx.AsyncClient) -> None:
    draws = []
    for _ in range(2):
        await control(client, "PUT", "/seed", json={"seed": 42})
        await rest(client, "DEL", "s")
        await rest(client, "SADD", "s", *"abcdefgh")
        draws.append(await rest(client, "SPOP", "s", "3"))
    assert draws[0] == draws[1]
    assert await control(client, "GET", "/seed") == {"seed": 42}


async def test_the_clock_is_read_set_advanced_and_switched(
    stash: FakeStash, client: httpx.AsyncClient
) -> None:
    await rest(client, "SET", "k", "v", "PX", "1000")
    after = await control(client, "POST", "/clock/advance", json={"ms": 1001})
    assert after == {"kind": "manual", "now_ms": 1_700_000_001_001}
    assert await rest(client, "GET", "k") == {"result": None}
    assert (await control(client, "PUT", "/clock", json={"now_ms": 1_800_000_000_000}))[
        "now_ms"
    ] == 1_800_000_000_000
    assert (await control(client, "POST", "/clock/advance", json={"seconds": 2}))[
        "now_ms"
    ] == 1_800_000_002_000
    system = await control(client, "PUT", "/clock", json={"kind": "system"})
    assert system["kind"] == "system"
    assert isinstance(stash.clock, SystemClock)
    refused = await control(client, "POST", "/clock/advance", json={"ms": 1}, status=409)
    assert refused["error"].startswith("cannot advance the system clock: switch to a manual one")
    manual = await control(client, "PUT", "/clock", json={"kind": "manual"})
    assert manual["kind"] == "manual"
    assert isinstance(stash.clock, ManualClock)
    assert stash.database.clock is stash.clock
    assert abs(manual["now_ms"] - system["now_ms"]) < 60_000  # it starts where time was


async def test_faults_in_json(stash: FakeStash, client: httpx.AsyncClient) -> None:
    rule = {"fault": {"type": "max_requests", "limit": 10}, "times": 2, "command": "SET"}
    added = await control(client, "POST", "/faults", json=rule)
    assert added["fault"]["kind"] == "http"
    assert added["fault"]["status"] == 400
    assert added["remaining"] == 2
    assert await rest(client, "GET", "k") == {"result": None}  # not a SET
    refused = await rest(client, "SET", "k", "v")
    assert refused["error"].startswith("ERR max requests limit exceeded. Limit: 10, Usage: 10.")
    listed = await control(client, "GET", "/faults")
    assert [r["remaining"] for r in listed["rules"]] == [1]
    assert listed["log"] == ["HTTP 400: " + refused["error"] + " on / SET"]
    assert await control(client, "DELETE", "/faults") == {"result": "OK"}
    assert await rest(client, "SET", "k", "v") == {"result": "OK"}


async def test_a_fault_by_name_and_its_errors(client: httpx.AsyncClient) -> None:
    await control(client, "POST", "/faults", json={"fault": "connect_error", "path": "/pipeline"})
    assert (await control(client, "GET", "/faults"))["rules"][0]["path"] == "/pipeline"
    unknown = await control(client, "POST", "/faults", json={"fault": "meteor"}, status=400)
    assert unknown["error"].startswith('"fault" must be {"type": ...} with a type of')
    bad_arg = {"fault": {"type": "latency", "seconds": 1, "tick": 3}}
    refused = await control(client, "POST", "/faults", json=bad_arg, status=400)
    assert refused == {"error": "latency takes ['seconds'], not ['tick']"}
    bad_times = {"fault": "read_timeout", "times": 0}
    assert (await control(client, "POST", "/faults", json=bad_times, status=400)) == {
        "error": "times must be >= 1 or None (every request); got 0"
    }
    extra = await control(
        client, "POST", "/faults", json={"fault": "read_timeout", "x": 1}, status=400
    )
    assert extra["error"].startswith("unknown rule fields ['x']")


async def test_the_meter_reads_and_resets(client: httpx.AsyncClient) -> None:
    await rest(client, "SET", "k", "v")
    meter = await control(client, "GET", "/meter")
    assert (meter["requests"], meter["commands"], meter["seen"]) == (1, 1, [["SET", "k", "v"]])
    assert await control(client, "DELETE", "/meter") == {"result": "OK"}
    assert (await control(client, "GET", "/meter"))["requests"] == 0
    missing = await control(client, "GET", "/meter?db=3", status=404)
    assert missing == {"error": "no database '3': there are 1"}


async def test_published_messages_by_channel(client: httpx.AsyncClient) -> None:
    await rest(client, "PUBLISH", "chat", "hi")
    await rest(client, "PUBLISH", "news", "flash")
    await rest(client, "SPUBLISH", "chat", "shard")
    chat = await control(client, "GET", "/published?channel=chat")
    assert chat == {
        "messages": [
            {"channel": "chat", "message": "hi", "receivers": 0, "time_ms": 1_700_000_000_000,
             "shard": False},
            {"channel": "chat", "message": "shard", "receivers": 0, "time_ms": 1_700_000_000_000,
             "shard": True},
        ]
    }  # fmt: skip
    assert len((await control(client, "GET", "/published"))["messages"]) == 3
    await control(client, "DELETE", "/published")
    assert (await control(client, "GET", "/published"))["messages"] == []


async def test_the_monitor_log_never_shows_the_control_surface(client: httpx.AsyncClient) -> None:
    await rest(client, "SET", "k", "v")
    await control(client, "GET", "/snapshot")
    log = await control(client, "GET", "/monitor")
    assert log["commands"] == [["SET", "k", "v"]]
    assert log["lines"] == ['1700000000.000000 [0 0.0.0.0:0] "SET" "k" "v"']
    await control(client, "DELETE", "/monitor")
    assert (await control(client, "GET", "/monitor"))["commands"] == []


async def test_snapshot_and_restore(stash: FakeStash, client: httpx.AsyncClient) -> None:
    await rest(client, "SET", "k", "v", "EX", "10")
    await rest(client, "RPUSH", "l", "a", "b")
    snapshot = await control(client, "GET", "/snapshot")
    assert snapshot["databases"][0]["keys"] == [
        {"key": "k", "type": "string", "value": "v", "expires_at_ms": 1_700_000_010_000},
        {"key": "l", "type": "list", "value": ["a", "b"], "expires_at_ms": None},
    ]
    await rest(client, "FLUSHALL")
    assert await control(client, "PUT", "/snapshot", json=snapshot) == {"result": "OK"}
    assert await rest(client, "LRANGE", "l", "0", "-1") == {"result": ["a", "b"]}
    assert await rest(client, "TTL", "k") == {"result": 10}
    broken = {"fakestash_snapshot": 1, "databases": [{"keys": [{"key": "x", "type": "zset"}]}]}
    refused = await control(client, "PUT", "/snapshot", json=broken, status=400)
    assert refused == {"error": 'databases[0].keys[0].value: missing (or "rdb")'}
    assert await rest(client, "DBSIZE") == {"result": 2}  # untouched


async def test_save_writes_the_data_file(client: httpx.AsyncClient, tmp_path: Path) -> None:
    await rest(client, "SET", "k", "v")
    saved = await control(client, "POST", "/save")
    assert saved == {"result": "OK", "data_file": str(tmp_path / "data.json")}
    on_disk = json.loads((tmp_path / "data.json").read_text())
    assert on_disk["databases"][0]["keys"][0]["key"] == "k"
    assert list(tmp_path.iterdir()) == [tmp_path / "data.json"]  # no temporary file left


async def test_save_without_a_data_file(stash: FakeStash) -> None:
    app = asgi_app(stash, control_token="ctl")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=URL) as client:
        refused = await control(client, "POST", "/save", status=409)
    assert refused == {"error": "no data file: start the server with --data FILE"}


async def test_without_a_control_token_there_is_no_control_surface(stash: FakeStash) -> None:
    app = asgi_app(stash)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=URL) as client:
        response = await client.get("/_fakestash", headers={"Authorization": "Bearer tok"})
    assert response.status_code == 400  # an Upstash path like any other: no such command
    assert response.json()["error"].startswith("ERR Command is not available: '_FAKESTASH'")
