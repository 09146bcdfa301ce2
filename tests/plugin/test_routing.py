"""fakestash._routing: one dispatcher above every httpx mocker, installed and removed
exactly, in every order another patcher of the same method installs and removes its own."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, Iterator

import httpx
import pytest
import respx

from fakestash import FakeStash
from fakestash._routing import route, routed_hosts, tidy

pytest_plugins = ["pytester"]

PRISTINE_SYNC = httpx.Client._send_single_request
PRISTINE_ASYNC = httpx.AsyncClient._send_single_request
OTHER = "https://api.example.com/x"


@pytest.fixture(autouse=True)
def _pristine() -> Iterator[None]:
    assert httpx.Client._send_single_request is PRISTINE_SYNC
    yield
    tidy()
    assert httpx.Client._send_single_request is PRISTINE_SYNC
    assert httpx.AsyncClient._send_single_request is PRISTINE_ASYNC


def other_host(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"from": "mock transport"})


def fake_answers(stash: FakeStash) -> bool:
    """A default client (network transport) reaches the fake."""
    with httpx.Client() as client:
        response = client.post(
            stash.url, json=["PING"], headers={"Authorization": f"Bearer {stash.token}"}
        )
    return response.json() == {"result": "PONG"}


class Foreign:
    """Another library patching ``Client._send_single_request`` the usual ways: capture
    what is there, wrap it, later put back what it captured (monkeypatch, mock.patch)."""

    def __init__(self) -> None:
        self.saved: Any = None

    def install(self) -> None:
        self.saved = saved = httpx.Client._send_single_request

        def wrapper(client: Any, request: httpx.Request) -> httpx.Response:
            response: httpx.Response = saved(client, request)
            response.headers["x-foreign"] = "seen"
            return response

        httpx.Client._send_single_request = wrapper  # type: ignore[method-assign]

    def remove(self) -> None:
        httpx.Client._send_single_request = self.saved  # type: ignore[method-assign]


STEPS = ["ours+", "theirs+", "ours-", "theirs-"]
ORDERS = [
    order
    for order in itertools.permutations(STEPS)
    if order.index("ours+") < order.index("ours-")
    and order.index("theirs+") < order.index("theirs-")
]


@pytest.mark.parametrize("order", ORDERS, ids=" ".join)
def test_any_order_with_another_patcher(order: tuple[str, ...]) -> None:
    stash = FakeStash()
    foreign = Foreign()
    ours = route(stash)
    active = {"ours": False, "theirs": False}
    displaced = False  # ours removed from the chain by a restore it cannot see
    for step in order:
        if step == "ours+":
            ours.__enter__()
        elif step == "ours-":
            ours.__exit__(None, None, None)
        elif step == "theirs+":
            foreign.install()
        else:
            displaced = active["ours"] and order.index("theirs+") < order.index("ours+")
            foreign.remove()
        active[step[:-1]] = step.endswith("+")
        # Other hosts still go down the whole chain, with no loop.
        with httpx.Client(transport=httpx.MockTransport(other_host)) as client:
            response = client.get(OTHER)
        assert response.json() == {"from": "mock transport"}
        assert ("x-foreign" in response.headers) == active["theirs"]
        if active["ours"] and not displaced:
            assert fake_answers(stash)
    tidy()
    assert httpx.Client._send_single_request is PRISTINE_SYNC


def test_a_displaced_dispatcher_is_healed_by_the_next_route() -> None:
    """A patcher installed before us and removed while we were routed takes our
    dispatcher with it; the next route() (or the end of an inner one) puts it back."""
    outer, inner = FakeStash(), FakeStash()
    foreign = Foreign()
    foreign.install()
    with route(outer):
        foreign.remove()  # restores httpx's own method over ours
        with route(inner):
            assert fake_answers(outer) and fake_answers(inner)
        assert fake_answers(outer)


def test_never_wraps_itself_across_many_cycles() -> None:
    stash = FakeStash()
    foreign = Foreign()
    for _ in range(50):  # the pattern that once made a RecursionError
        with route(stash):
            foreign.install()
        foreign.remove()
        tidy()
    assert httpx.Client._send_single_request is PRISTINE_SYNC
    with route(stash):
        assert fake_answers(stash)


def test_routes_nest_and_unroute_in_any_order() -> None:
    a, b = FakeStash(), FakeStash()
    first, second = route(a), route(b)
    first.__enter__()
    second.__enter__()
    assert set(routed_hosts()) == {*a.hosts, *b.hosts}
    first.__exit__(None, None, None)  # not the innermost
    assert set(routed_hosts()) == set(b.hosts)
    assert fake_answers(b)
    second.__exit__(None, None, None)
    assert routed_hosts() == {}


def test_a_client_on_an_in_process_transport_is_left_alone() -> None:
    stash = FakeStash()
    with route(stash), httpx.Client(transport=httpx.MockTransport(other_host)) as client:
        assert client.post(stash.url, json=["PING"]).json() == {"from": "mock transport"}


def test_async_clients_are_routed() -> None:
    stash = FakeStash()

    async def main() -> Any:
        async with httpx.AsyncClient() as client:
            response = await client.post(
                stash.url, json=["INCR", "n"], headers={"Authorization": f"Bearer {stash.token}"}
            )
            return response.json()

    with route(stash):
        assert asyncio.run(main()) == {"result": 1}


@pytest.mark.parametrize(
    "spelling", ["https://{host}.", "https://{host}:443", "https://{upper}.:443"]
)
def test_spellings_of_a_fake_host_reach_that_fake(spelling: str) -> None:
    stash = FakeStash(url="https://db-a.upstash.io")
    other = stash.add_database(url="https://db-b.upstash.io")
    url = spelling.format(host="db-b.upstash.io", upper="DB-B.upstash.io")
    with route(stash), httpx.Client() as client:
        response = client.post(
            url, json=["SET", "k", "v"], headers={"Authorization": f"Bearer {other.token}"}
        )
    assert response.json() == {"result": "OK"}
    assert stash.execute("GET", "k", db=1) == b"v"


def test_the_guard_refuses_an_upstash_host_with_a_trailing_dot() -> None:
    with route(), httpx.Client() as client:
        response = client.post("https://prod-db.upstash.io.", json=["GET", "k"])
    assert response.status_code == 502


# ---- strict mode and the session guard -------------------------------------------------


def test_the_guard_alone_refuses_real_upstash_hosts() -> None:
    with route(), httpx.Client() as client:
        response = client.post("https://prod-db.upstash.io", json=["GET", "k"])
    assert response.status_code == 502
    assert response.json()["error"].startswith(
        "fakestash: no fake database serves prod-db.upstash.io (served here: none)."
    )


def test_strict_false_lets_other_upstash_hosts_through() -> None:
    with (
        route(FakeStash(), strict=False),
        httpx.Client(transport=httpx.MockTransport(other_host)) as client,
    ):
        assert client.get("https://prod-db.upstash.io").json() == {"from": "mock transport"}


# ---- the rule with respx: a matching route answers, else the fake --------------------------


RESPX_MOCKERS = ["httpcore", "httpx"]


def sdk_get(stash: FakeStash, key: str) -> Any:
    from upstash_redis import Redis

    return Redis(stash.url, stash.token, rest_retries=0, rest_encoding=None).get(key)


@pytest.mark.parametrize("using", RESPX_MOCKERS)
def test_unmatched_fake_requests_are_answered_by_the_fake(using: str) -> None:
    stash = FakeStash()
    stash.execute("SET", "k", "from the fake")
    with route(stash), respx.mock(using=using, assert_all_mocked=True) as mock:
        mock.get(OTHER).respond(json={"from": "respx"})
        assert sdk_get(stash, "k") == "from the fake"
        assert httpx.get(OTHER).json() == {"from": "respx"}


@pytest.mark.parametrize("using", RESPX_MOCKERS)
def test_a_respx_route_naming_the_fake_wins(using: str) -> None:
    stash = FakeStash()
    with route(stash), respx.mock(using=using) as mock:
        mocked = mock.post(stash.url).respond(json={"result": "from respx"})
        assert sdk_get(stash, "k") == "from respx"
        assert mocked.call_count == 1


@pytest.mark.parametrize("using", RESPX_MOCKERS)
def test_a_pass_through_route_leaves_the_fake_answering(using: str) -> None:
    stash = FakeStash()
    stash.execute("SET", "k", "v")
    with route(stash), respx.mock(using=using) as mock:
        mock.route(host=stash.hosts[0]).pass_through()
        assert sdk_get(stash, "k") == "v"


@pytest.mark.parametrize("using", RESPX_MOCKERS)
def test_a_respx_side_effect_on_the_fake_raises(using: str) -> None:
    from upstash_redis import Redis

    stash = FakeStash()
    with route(stash), respx.mock(using=using) as mock:
        mock.post(stash.url).mock(side_effect=httpx.ConnectError("boom"))
        with pytest.raises(httpx.ConnectError, match="boom"):
            Redis(stash.url, stash.token, rest_retries=0, rest_encoding=None).get("k")


@pytest.mark.parametrize("using", RESPX_MOCKERS)
def test_async_respx_rule(using: str) -> None:
    from upstash_redis.asyncio import Redis

    stash = FakeStash()
    stash.execute("SET", "k", "v")

    async def main() -> tuple[Any, Any]:
        client = Redis(stash.url, stash.token, rest_retries=0, rest_encoding=None)
        with respx.mock(using=using) as mock:
            unmatched = await client.get("k")
            mock.post(stash.url).respond(json={"result": "from respx"})
            matched = await client.get("k")
        return unmatched, matched

    with route(stash):
        assert asyncio.run(main()) == ("v", "from respx")


@pytest.mark.parametrize("using", RESPX_MOCKERS)
def test_strict_mode_lets_respx_answer_its_own_upstash_routes(using: str) -> None:
    with route(FakeStash()), respx.mock(using=using) as mock:
        mock.post("https://prod-db.upstash.io").respond(json={"result": "mocked prod"})
        assert httpx.post("https://prod-db.upstash.io", json=["GET", "k"]).json() == {
            "result": "mocked prod"
        }


def test_a_dispatcher_kept_by_monkeypatch_is_gone_before_the_next_test(
    pytester: pytest.Pytester,
) -> None:
    """A test wraps ``_send_single_request`` with monkeypatch after the fixture routed the
    fake: the fixture's teardown cannot remove the dispatcher (it is wrapped), pytest's
    monkeypatch puts it back later; the plugin removes it after the test."""
    pytester.makepyfile(
        test_inner="""
import httpx

PRISTINE = httpx.Client._send_single_request

def test_wraps_after_the_fixture(fakestash, monkeypatch):
    inner = httpx.Client._send_single_request
    monkeypatch.setattr(httpx.Client, "_send_single_request", lambda c, r: inner(c, r))
    response = httpx.post(fakestash.url, json=["PING"], headers={"Authorization": f"Bearer {fakestash.token}"})
    assert response.json() == {"result": "PONG"}

def test_next():
    assert httpx.Client._send_single_request is PRISTINE
"""
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_a_foreign_wrapper_made_with_functools_wraps_is_not_taken_for_ours() -> None:
    import functools

    stash = FakeStash()
    with route(stash):
        ours = httpx.Client._send_single_request

        @functools.wraps(ours)
        def theirs(client: Any, request: httpx.Request) -> httpx.Response:
            response: httpx.Response = ours(client, request)
            response.headers["x-foreign"] = "seen"
            return response

        httpx.Client._send_single_request = theirs  # type: ignore[method-assign]
    assert httpx.Client._send_single_request is theirs  # left in place, not "restored"
    with httpx.Client(transport=httpx.MockTransport(other_host)) as client:
        assert client.get(OTHER).headers["x-foreign"] == "seen"
    httpx.Client._send_single_request = ours  # type: ignore[method-assign]
