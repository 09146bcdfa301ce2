"""/pipeline (independent items, always 200) and /multi-exec (atomic, discard rules)."""

from __future__ import annotations

import threading

import httpx

from fakestash import FakeStash

NOT_AVAILABLE = (
    "ERR Command is not available: 'NOTACMD'. "
    "See https://upstash.com/docs/redis/overall/rediscompatibility for details"
)


def test_pipeline_keeps_going_after_an_error(client: httpx.Client) -> None:
    response = client.post(
        "/pipeline", json=[["SET", "k", "1"], ["INCR", "k"], ["NOTACMD"], ["GET", "k"]]
    )
    assert response.status_code == 200
    assert response.json() == [
        {"result": "OK"},
        {"result": 2},
        {"error": NOT_AVAILABLE},
        {"result": "2"},
    ]


def test_pipeline_items_have_exactly_one_of_result_or_error(client: httpx.Client) -> None:
    items = client.post("/pipeline", json=[["GET", "missing"], ["GET"]]).json()
    assert items == [{"result": None}, {"error": "ERR wrong number of arguments for 'get' command"}]


def test_pipeline_row_with_a_null_argument_fails_alone(client: httpx.Client) -> None:
    items = client.post(
        "/pipeline", content=b'[["SET","a","1"],["SET","b",null],["GET","a"]]'
    ).json()
    assert items == [
        {"result": "OK"},
        {"error": "ERR null args are not supported"},
        {"result": "1"},
    ]


def test_pipeline_refuses_nested_transactions(client: httpx.Client) -> None:
    items = client.post("/pipeline", json=[["MULTI"], ["PING"]]).json()
    assert items == [
        {"error": 'ERR Command "MULTI" is not allowed in REST or it has a special context path'},
        {"result": "PONG"},
    ]


def test_empty_pipeline_returns_an_empty_array(client: httpx.Client) -> None:
    response = client.post("/pipeline", json=[])
    assert (response.status_code, response.json()) == (200, [])


def test_multi_exec_runs_everything_and_returns_items(client: httpx.Client) -> None:
    response = client.post(
        "/multi-exec",
        json=[["SET", "balance", "1000"], ["DECRBY", "balance", "100"], ["GET", "balance"]],
    )
    assert response.status_code == 200
    assert response.json() == [{"result": "OK"}, {"result": 900}, {"result": "900"}]


def test_multi_exec_runtime_errors_are_items_and_do_not_stop_the_rest(client: httpx.Client) -> None:
    items = client.post(
        "/multi-exec", json=[["SET", "s", "x"], ["INCR", "s"], ["SET", "t", "y"]]
    ).json()
    assert items == [
        {"result": "OK"},
        {"error": "ERR value is not an integer or out of range"},
        {"result": "OK"},
    ]


def test_multi_exec_with_an_unknown_command_is_discarded_whole(
    client: httpx.Client, stash: FakeStash
) -> None:
    response = client.post("/multi-exec", json=[["SET", "a", "1"], ["NOTACMD"]])
    assert response.status_code == 400
    assert response.json() == {"error": NOT_AVAILABLE}
    assert stash.execute("EXISTS", "a") == 0


def test_multi_exec_with_wrong_arity_is_discarded_whole(
    client: httpx.Client, stash: FakeStash
) -> None:
    response = client.post("/multi-exec", json=[["SET", "a", "1"], ["GET"]])
    assert response.status_code == 400
    assert response.json() == {"error": "ERR wrong number of arguments for 'get' command"}
    assert stash.execute("EXISTS", "a") == 0


def test_multi_exec_with_a_restricted_command_is_discarded_whole(
    client: httpx.Client, stash: FakeStash
) -> None:
    response = client.post("/multi-exec", json=[["SET", "a", "1"], ["EXEC"]])
    assert response.status_code == 400
    assert stash.execute("EXISTS", "a") == 0


def test_multi_exec_with_a_readonly_token_write_is_discarded_whole(
    ro_client: httpx.Client, stash: FakeStash
) -> None:
    response = ro_client.post("/multi-exec", json=[["GET", "a"], ["SET", "a", "1"]])
    assert response.status_code == 400
    assert response.json() == {
        "error": "NOPERM this user has no permissions to run the 'set' command or its subcommand"
    }


def test_multi_exec_is_atomic_against_other_threads(stash: FakeStash) -> None:
    """Concurrent transactions each INCR twice; no one sees another's half-done state."""
    seen: list[list[object]] = []

    def worker() -> None:
        with httpx.Client(
            transport=stash.transport(),
            base_url=stash.url,
            headers={"Authorization": f"Bearer {stash.token}"},
        ) as c:
            for _ in range(50):
                items = c.post("/multi-exec", json=[["INCR", "n"], ["INCR", "n"]]).json()
                seen.append([item["result"] for item in items])

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(second == first + 1 and first % 2 == 1 for first, second in seen)
    assert stash.execute("GET", "n") == b"400"


def test_pipeline_rows_that_are_not_arrays_fail_alone(client: httpx.Client) -> None:
    items = client.post("/pipeline", json=["GET", {"a": "b"}, ["PING"]]).json()
    row_error = {"error": "ERR pipeline and multi-exec commands must be JSON arrays"}
    assert items == [row_error, row_error, {"result": "PONG"}]
