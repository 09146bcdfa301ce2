"""Injected faults (``stash.faults``) over the REST face: which requests, what happens,
what the meter records, and that the same seed picks the same requests."""

from __future__ import annotations

from typing import Any, Iterator

import httpx
import pytest

from fakestash import FakeStash, Fault, ManualClock
from fakestash._faults import FaultRule, fail, fail_next

SSE = {"Accept": "text/event-stream"}


@pytest.fixture(autouse=True)
def _close_streams(stash: FakeStash) -> Iterator[None]:
    yield
    stash.close()


def post(client: httpx.Client, *command: Any) -> httpx.Response:
    return client.post("/", json=list(command))


# ---- errors Upstash answers with ---------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "text"),
    [
        (
            Fault.max_requests(),
            400,
            "ERR max requests limit exceeded. Limit: 500000, Usage: 500000. See "
            "https://upstash.com/docs/redis/troubleshooting/max_requests_limit for details",
        ),
        (
            Fault.daily_limit(),
            400,
            "ERR max daily request limit exceeded. Limit: 10000, Usage: 10001. See "
            "https://upstash.com/docs/redis/troubleshooting/max_daily_request_limit for details",
        ),
        (
            Fault.request_too_large(),
            400,
            "ERR max request size exceeded. Limit: 10485760 bytes, Actual: 10485761 bytes",
        ),
        (
            Fault.db_capacity(),
            400,
            "ERR DB capacity quota exceeded. Threshold: 268435456 bytes, Usage: 268435456 "
            "bytes. See https://upstash.com/docs for details",
        ),
        (Fault.http_error(503, "ERR busy"), 503, "ERR busy"),
    ],
)
def test_error_faults_answer_upstash_texts(
    stash: FakeStash, client: httpx.Client, fault: Fault, status: int, text: str
) -> None:
    stash.faults.fail_next(1, fault)
    refused = post(client, "SET", "k", "v")
    assert (refused.status_code, refused.json()) == (status, {"error": text})
    assert stash.execute("GET", "k") is None  # it did not run
    assert post(client, "SET", "k", "v").json() == {"result": "OK"}  # only the next one


def test_a_raw_body_fault_is_not_json(stash: FakeStash, client: httpx.Client) -> None:
    stash.faults.fail_next(1, Fault.http_error(502, body=b"<html>Bad Gateway</html>"))
    response = post(client, "PING")
    assert response.status_code == 502
    assert response.content == b"<html>Bad Gateway</html>"


def test_quota_numbers_can_be_given() -> None:
    assert Fault.max_requests(limit=1000, usage=1200).error == (
        "ERR max requests limit exceeded. Limit: 1000, Usage: 1200. See "
        "https://upstash.com/docs/redis/troubleshooting/max_requests_limit for details"
    )


# ---- the connection fails ------------------------------------------------------------------


def test_connect_errors_never_reach_the_database(stash: FakeStash, client: httpx.Client) -> None:
    stash.faults.fail_next(2, Fault.connect_error())
    for _ in range(2):
        with pytest.raises(httpx.ConnectError) as failed:
            post(client, "INCR", "n")
        assert str(failed.value) == (
            f"fakestash fault: connection to {stash.endpoints[0].host} refused "
            "(injected by stash.faults)"
        )
    assert post(client, "INCR", "n").json() == {"result": 1}
    assert (stash.meter.requests, stash.meter.commands, stash.meter.faults) == (1, 1, 2)


def test_a_read_timeout_comes_after_the_command_ran(stash: FakeStash, client: httpx.Client) -> None:
    stash.faults.fail_next(1, Fault.read_timeout())
    with pytest.raises(httpx.ReadTimeout) as lost:
        post(client, "INCR", "n")
    assert str(lost.value) == (
        f"fakestash fault: {stash.endpoints[0].host} did not answer in time "
        "(injected by stash.faults; the request ran)"
    )
    assert stash.execute("GET", "n") == b"1"
    assert (stash.meter.requests, stash.meter.commands, stash.meter.faults) == (1, 1, 1)


async def test_async_clients_get_the_same_errors(stash: FakeStash) -> None:
    stash.faults.fail_next(1, Fault.connect_error())
    stash.faults.fail_next(1, Fault.read_timeout())
    async with httpx.AsyncClient(
        transport=stash.async_transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    ) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post("/", json=["INCR", "n"])
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/", json=["INCR", "n"])
        assert (await client.post("/", json=["INCR", "n"])).json() == {"result": 2}


# ---- which requests ------------------------------------------------------------------------


def test_by_command_including_pipeline_rows(stash: FakeStash, client: httpx.Client) -> None:
    stash.faults.fail(Fault.max_requests(), command=["set", "DEL"])
    assert post(client, "GET", "k").json() == {"result": None}
    assert post(client, "SET", "k", "v").status_code == 400
    batch = client.post("/pipeline", json=[["GET", "k"], ["DEL", "k"]])
    assert batch.status_code == 400
    assert client.post("/pipeline", json=[["GET", "k"]]).json() == [{"result": None}]


def test_by_path(stash: FakeStash, client: httpx.Client) -> None:
    stash.faults.fail(Fault.http_error(500), path="/pipeline")
    assert client.post("/pipeline", json=[["PING"]]).status_code == 500
    assert client.post("/multi-exec", json=[["PING"]]).status_code == 200
    assert post(client, "PING").status_code == 200
    stash.faults.clear()
    stash.faults.fail(Fault.http_error(500), path="/get")
    assert client.get("/get/k").status_code == 500
    assert client.get("/getrange/k/0/1").status_code == 200  # whole segments only
    assert post(client, "GET", "k").status_code == 200  # a body command is on "/"


def test_by_database(stash: FakeStash) -> None:
    eu = stash.add_database(url="https://eu.upstash.io")
    stash.faults.fail(Fault.connect_error(), db="https://eu.upstash.io")
    stash.faults.fail(Fault.http_error(500), db=0, command="GET")
    with httpx.Client(transport=stash.transport()) as client:
        auth = {"Authorization": f"Bearer {eu.token}"}
        with pytest.raises(httpx.ConnectError):
            client.post(eu.url, json=["PING"], headers=auth)
        main = {"Authorization": f"Bearer {stash.token}"}
        assert client.post(stash.url, json=["GET", "k"], headers=main).status_code == 500
        assert client.post(stash.url, json=["PING"], headers=main).status_code == 200
    assert eu.meter.faults == 1 and stash.meter.faults == 1


def test_after_lets_requests_through_first(stash: FakeStash, client: httpx.Client) -> None:
    handle = stash.faults.fail_next(1, Fault.http_error(500), after=2)
    statuses = [post(client, "PING").status_code for _ in range(4)]
    assert statuses == [200, 200, 500, 200]
    assert handle.fired == 1 and handle.done and stash.faults.pending == []


def test_a_rule_is_a_context_manager(stash: FakeStash, client: httpx.Client) -> None:
    with stash.faults.fail(Fault.http_error(500)) as handle:
        assert post(client, "PING").status_code == 500
        assert post(client, "PING").status_code == 500
    assert post(client, "PING").status_code == 200
    assert handle.fired == 2 and handle.remaining is None


def test_rules_apply_first_added_first(stash: FakeStash, client: httpx.Client) -> None:
    stash.faults.fail_next(1, Fault.http_error(501))
    stash.faults.fail_next(1, Fault.http_error(502))
    assert [post(client, "PING").status_code for _ in range(3)] == [501, 502, 200]


def test_unauthenticated_and_malformed_requests_are_not_picked(
    stash: FakeStash, client: httpx.Client
) -> None:
    stash.faults.fail_next(1, Fault.http_error(500))
    assert (
        client.post("/", json=["PING"], headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    assert client.post("/", content=b"{").status_code == 400
    assert post(client, "PING").status_code == 500


def seen(seed: int, rate: float) -> list[int]:
    stash = FakeStash(seed=seed)
    stash.faults.fail(Fault.http_error(500), rate=rate)
    with httpx.Client(
        transport=stash.transport(),
        base_url=stash.url,
        headers={"Authorization": f"Bearer {stash.token}"},
    ) as client:
        return [post(client, "PING").status_code for _ in range(40)]


def test_a_rate_is_drawn_from_the_seed() -> None:
    first = seen(seed=7, rate=0.3)
    assert first == seen(seed=7, rate=0.3)
    assert first != seen(seed=8, rate=0.3)
    assert 0 < first.count(500) < 40
    assert seen(seed=7, rate=0.0) == [200] * 40


def test_faults_do_not_move_the_engine_random_choices() -> None:
    plain, faulty = FakeStash(seed=3), FakeStash(seed=3)
    faulty.faults.fail(Fault.http_error(500), rate=0.5)
    for stash in (plain, faulty):
        stash.execute("SADD", "s", *range(50))
    assert plain.execute("SPOP", "s", "5") == faulty.execute("SPOP", "s", "5")


# ---- latency on the fake clock ----------------------------------------------------------------


def test_latency_moves_a_manual_clock(
    client: httpx.Client, stash: FakeStash, clock: ManualClock
) -> None:
    post(client, "SET", "k", "v", "PX", "1500")
    start = clock.time()
    stash.faults.fail_next(1, Fault.latency(2))
    assert post(client, "GET", "k").json() == {"result": None}  # expired on the way
    assert clock.time() == start + 2
    assert stash.meter.faulted == ["latency 2s on / GET"]


def test_latency_on_the_system_clock_needs_a_tick() -> None:
    stash = FakeStash()  # the system clock
    with pytest.raises(ValueError) as refused:
        stash.faults.fail_next(1, Fault.latency(1))
    assert "cannot be moved without sleeping, which fakestash never does" in str(refused.value)
    ticks: list[float] = []
    stash.faults.fail_next(1, Fault.latency(1.5, tick=ticks.append))
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as client:
        client.post("/", json=["PING"], headers={"Authorization": f"Bearer {stash.token}"})
    assert ticks == [1.5]


# ---- streams cut mid-way ---------------------------------------------------------------------


def read_until_cut(response: httpx.Response) -> tuple[list[str], Exception | None]:
    lines: list[str] = []
    try:
        for line in response.iter_lines():
            if line:
                lines.append(line)
    except httpx.RemoteProtocolError as exc:
        return lines, exc
    return lines, None


@pytest.mark.timeout(30)
def test_a_stream_is_cut_after_some_events(stash: FakeStash, client: httpx.Client) -> None:
    stash.faults.fail_next(1, Fault.cut_stream(after_events=3))
    post(client, "SET", "other", "x")  # not a stream: not picked
    with client.stream("POST", "/subscribe/chat", headers=SSE) as response:
        for text in ("one", "two", "three"):
            stash.execute("PUBLISH", "chat", text)
        lines, error = read_until_cut(response)
    assert lines == ["data: subscribe,chat,1", "data: message,chat,one", "data: message,chat,two"]
    assert str(error) == (
        "peer closed connection without sending complete message body: incomplete chunked "
        "read (fakestash fault: stream cut after 3 events)"
    )
    assert stash.execute("PUBSUB", "NUMSUB", "chat") == [b"chat", 0]  # the server let go
    assert stash.meter.faulted == ["stream cut after 3 events on /subscribe/chat SUBSCRIBE"]


@pytest.mark.timeout(30)
def test_a_monitor_stream_cut_before_anything(stash: FakeStash, client: httpx.Client) -> None:
    stash.faults.fail_next(1, Fault.cut_stream(after_events=0), path="/monitor")
    with client.stream("POST", "/monitor", headers=SSE) as response:
        lines, error = read_until_cut(response)
    assert lines == [] and isinstance(error, httpx.RemoteProtocolError)


@pytest.mark.timeout(30)
async def test_an_async_stream_is_cut_too(stash: FakeStash) -> None:
    stash.faults.fail_next(1, Fault.cut_stream(after_events=2), command="PSUBSCRIBE")
    async with (
        httpx.AsyncClient(
            transport=stash.async_transport(),
            base_url=stash.url,
            headers={"Authorization": f"Bearer {stash.token}"},
        ) as client,
        client.stream("POST", "/psubscribe/user:*", headers=SSE) as response,
    ):
        stash.execute("PUBLISH", "user:1", "hi")
        stash.execute("PUBLISH", "user:2", "never sent")
        lines: list[str] = []
        with pytest.raises(httpx.RemoteProtocolError):
            async for line in response.aiter_lines():
                if line:
                    lines.append(line)
    assert lines == ["data: psubscribe,user:*,1", "data: pmessage,user:*,user:1,hi"]


# ---- rules as values: the marker, the constructor --------------------------------------------


def test_rules_given_to_the_constructor(client: httpx.Client) -> None:
    rule = fail_next(1, Fault.http_error(500))
    stash = FakeStash(faults=[rule, fail(Fault.max_requests(), command="FLUSHALL")])
    assert [r.rule for r in stash.faults.pending] == [
        rule,
        FaultRule(Fault.max_requests(), times=None, command="FLUSHALL"),
    ]
    again = FakeStash(faults=[rule])  # a rule is a spec: each server counts on its own
    assert again.faults.pending[0].fired == 0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: fail_next(0), "times must be >= 1 or None (every request); got 0"),
        (lambda: fail(Fault.connect_error(), rate=1.5), "rate must be between 0 and 1; got 1.5"),
        (
            lambda: fail(Fault.connect_error(), path="pipeline"),
            "path must start with '/'; got 'pipeline'",
        ),
        (lambda: Fault.http_error(42), "status must be an HTTP status (100-599); got 42"),
        (lambda: Fault.latency(-1), "latency must be >= 0 seconds; got -1"),
        (
            lambda: FaultRule("connect"),
            "fault must be a Fault (Fault.connect_error(), ...); got 'connect'",
        ),  # type: ignore[arg-type]
    ],
)
def test_bad_rules_are_refused_when_made(build: Any, message: str) -> None:
    with pytest.raises((ValueError, TypeError)) as refused:
        build()
    assert str(refused.value) == message


def test_the_log_lists_what_fired(stash: FakeStash, client: httpx.Client) -> None:
    stash.faults.fail_next(1, Fault.http_error(500, "ERR no"))
    stash.faults.fail_next(1, Fault.connect_error(), command="GET")
    post(client, "SET", "k", "v")
    with pytest.raises(httpx.ConnectError):
        post(client, "GET", "k")
    assert [str(record) for record in stash.faults.log] == [
        "HTTP 500: ERR no on / SET",
        "connect error on / GET",
    ]
    assert stash.meter.faulted == ["HTTP 500: ERR no on / SET", "connect error on / GET"]
    stash.meter.reset()
    assert stash.meter.faults == 0 and stash.meter.faulted == []
