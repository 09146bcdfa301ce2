"""Tokens as ACL users over REST: WHOAMI per token, GENTOKEN/RESTTOKEN tokens, permissions."""

from __future__ import annotations

from typing import Any, Iterator

import httpx
import pytest

from fakestash import FakeStash

NOPERM = "NOPERM this user has no permissions to run the '{}' command or its subcommand"
KEY_DENIED = "NOPERM this user has no permissions to access one of the keys used as arguments"
CHANNEL_DENIED = (
    "NOPERM this user has no permissions to access one of the channels used as arguments"
)
WRONGPASS = (
    "WRONGPASS invalid or missing auth token. "
    "See https://docs.upstash.com/redis/troubleshooting/http_unauthorized for details."
)


@pytest.fixture(autouse=True)
def _close_streams(stash: FakeStash) -> Iterator[None]:
    yield
    stash.close()


def post(stash: FakeStash, token: str, body: Any, path: str = "/") -> httpx.Response:
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as c:
        return c.post(path, json=body, headers={"Authorization": f"Bearer {token}"})


def result(stash: FakeStash, token: str, *argv: str) -> Any:
    response = post(stash, token, list(argv))
    assert response.status_code == 200, response.json()
    return response.json()["result"]


def failure(stash: FakeStash, token: str, *argv: str) -> str:
    response = post(stash, token, list(argv))
    assert response.status_code == 400, response.json()
    return str(response.json()["error"])


def make_user(stash: FakeStash, name: str, *rules: str) -> str:
    """A user with ``rules`` and a GENTOKEN token as its password; returns the token."""
    token = stash.execute("ACL", "GENTOKEN", name)
    assert isinstance(token, bytes)
    stash.execute("ACL", "SETUSER", name, "on", ">" + token.decode(), *rules)
    return token.decode()


# ---- WHOAMI per token -------------------------------------------------------------------------


def test_whoami_names_the_user_of_each_token(stash: FakeStash) -> None:
    assert result(stash, stash.token, "ACL", "WHOAMI") == "default"
    assert result(stash, stash.readonly_token, "ACL", "WHOAMI") == "default_ro"
    token = make_user(stash, "app", "+@all")
    assert result(stash, token, "ACL", "WHOAMI") == "app"


def test_extra_tokens_are_default_or_default_ro(stash: FakeStash) -> None:
    endpoint = stash.endpoints[0]
    endpoint.extra_tokens["rw-extra"] = False
    endpoint.extra_tokens["ro-extra"] = True
    assert result(stash, "rw-extra", "ACL", "WHOAMI") == "default"
    assert result(stash, "ro-extra", "ACL", "WHOAMI") == "default_ro"


def test_readonly_token_may_ask_whoami_but_no_other_acl_command(stash: FakeStash) -> None:
    assert failure(stash, stash.readonly_token, "ACL", "USERS") == NOPERM.format("acl")
    assert failure(stash, stash.readonly_token, "ACL", "GENTOKEN", "x") == NOPERM.format("acl")
    assert failure(stash, stash.readonly_token, "WAIT", "0", "0") == NOPERM.format("wait")
    assert isinstance(result(stash, stash.readonly_token, "MEMORY", "USAGE", "k"), type(None))


def test_whoami_in_a_pipeline_and_a_transaction(stash: FakeStash) -> None:
    token = make_user(stash, "app", "+@all", "allkeys")
    piped = post(stash, token, [["ACL", "WHOAMI"], ["SET", "k", "v"]], "/pipeline").json()
    assert piped == [{"result": "app"}, {"result": "OK"}]
    multi = post(stash, token, [["ACL", "WHOAMI"]], "/multi-exec").json()
    assert multi == [{"result": "app"}]
    assert stash.execute("ACL", "WHOAMI") == b"default"  # the context ends with the request


# ---- generated tokens authenticate -----------------------------------------------------------


def test_a_gentoken_token_authenticates_once_it_is_the_users_password(stash: FakeStash) -> None:
    token = stash.execute("ACL", "GENTOKEN", "app")
    assert isinstance(token, bytes)
    assert post(stash, token.decode(), ["PING"]).status_code == 401  # no such user yet
    stash.execute("ACL", "SETUSER", "app", ">" + token.decode(), "+@all")
    assert post(stash, token.decode(), ["PING"]).json() == {"error": WRONGPASS}  # still off
    stash.execute("ACL", "SETUSER", "app", "on")
    assert result(stash, token.decode(), "PING") == "PONG"


def test_resttoken_over_rest_gives_a_working_token(stash: FakeStash) -> None:
    password_token = make_user(stash, "app", "+@read", "allkeys")
    rest = result(stash, stash.token, "ACL", "RESTTOKEN", "app", password_token)
    stash.execute("SET", "k", "v")
    assert result(stash, rest, "GET", "k") == "v"
    assert failure(stash, rest, "ACL", "WHOAMI") == NOPERM.format("acl")  # not in @read
    assert failure(stash, rest, "SET", "k", "w") == NOPERM.format("set")


def test_resttoken_for_default_is_a_full_token(stash: FakeStash) -> None:
    rest = result(stash, stash.token, "ACL", "RESTTOKEN", "default", stash.token)
    assert result(stash, rest, "SET", "k", "v") == "OK"
    assert result(stash, rest, "ACL", "WHOAMI") == "default"
    ro = result(stash, stash.token, "ACL", "RESTTOKEN", "default_ro", stash.readonly_token)
    assert result(stash, ro, "ACL", "WHOAMI") == "default_ro"
    assert failure(stash, ro, "SET", "k", "v") == NOPERM.format("set")


@pytest.mark.parametrize(
    "revoke",
    [["off"], ["resetpass"], ["reset"]],
)
def test_changing_the_user_revokes_its_tokens(stash: FakeStash, revoke: list[str]) -> None:
    token = make_user(stash, "app", "+@all")
    rest = result(stash, stash.token, "ACL", "RESTTOKEN", "app", token)
    assert result(stash, rest, "PING") == "PONG"
    stash.execute("ACL", "SETUSER", "app", *revoke)
    assert post(stash, token, ["PING"]).status_code == 401
    assert post(stash, rest, ["PING"]).status_code == 401


def test_removing_one_password_revokes_only_its_tokens(stash: FakeStash) -> None:
    first = make_user(stash, "app", "+@all")
    second = stash.execute("ACL", "GENTOKEN", "app")
    assert isinstance(second, bytes)
    stash.execute("ACL", "SETUSER", "app", ">" + second.decode(), "<" + first)
    assert post(stash, first, ["PING"]).status_code == 401
    assert result(stash, second.decode(), "PING") == "PONG"


def test_deleting_the_user_revokes_its_tokens(stash: FakeStash) -> None:
    token = make_user(stash, "app", "+@all")
    assert result(stash, token, "ACL", "DELUSER", "app") == 1
    response = post(stash, token, ["PING"])
    assert response.status_code == 401 and response.json() == {"error": WRONGPASS}


def test_tokens_belong_to_their_database(stash: FakeStash) -> None:
    other = stash.add_database()
    token = make_user(stash, "app", "+@all")
    with httpx.Client(transport=stash.transport(), base_url=other.url) as c:
        response = c.post("/", json=["PING"], headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


# ---- the user's permissions apply -------------------------------------------------------------


def test_command_permissions(stash: FakeStash) -> None:
    token = make_user(stash, "app", "+get", "+set", "allkeys")
    assert result(stash, token, "SET", "k", "v") == "OK"
    assert result(stash, token, "GET", "k") == "v"
    assert failure(stash, token, "DEL", "k") == NOPERM.format("del")
    assert failure(stash, token, "ACL", "WHOAMI") == NOPERM.format("acl")
    assert failure(stash, token, "PING") == NOPERM.format("ping")
    stash.execute("ACL", "SETUSER", "app", "+@keyspace")  # takes effect at once
    assert result(stash, token, "DEL", "k") == 1


def test_category_permissions(stash: FakeStash) -> None:
    token = make_user(stash, "app", "+@all", "-@write", "allkeys")
    stash.execute("SET", "k", "v")
    assert result(stash, token, "GET", "k") == "v"
    assert result(stash, token, "SCAN", "0") == ["0", ["k"]]  # unlike the read-only token
    assert failure(stash, token, "SET", "k", "w") == NOPERM.format("set")
    assert result(stash, token, "ACL", "SETUSER", "x") == "OK"  # @admin, not @write


def test_key_patterns(stash: FakeStash) -> None:
    token = make_user(stash, "app", "+@all", "~cache:*", "~session")
    assert result(stash, token, "SET", "cache:1", "v") == "OK"
    assert result(stash, token, "MSET", "cache:2", "v", "session", "s") == "OK"
    assert failure(stash, token, "GET", "other") == KEY_DENIED
    assert failure(stash, token, "MGET", "cache:1", "other") == KEY_DENIED
    assert result(stash, token, "DBSIZE") == 3  # no keys: allowed


def test_channel_patterns(stash: FakeStash) -> None:
    token = make_user(stash, "app", "+publish", "&news.*")
    assert result(stash, token, "PUBLISH", "news.today", "hi") == 0
    assert failure(stash, token, "PUBLISH", "sports", "hi") == CHANNEL_DENIED


def test_pipeline_rows_are_checked_one_by_one(stash: FakeStash) -> None:
    token = make_user(stash, "app", "+get", "~k")
    rows = post(stash, token, [["GET", "k"], ["SET", "k", "v"], ["GET", "x"]], "/pipeline")
    assert rows.json() == [
        {"result": None},
        {"error": NOPERM.format("set")},
        {"error": KEY_DENIED},
    ]


def test_a_refused_row_discards_the_transaction(stash: FakeStash) -> None:
    token = make_user(stash, "app", "+set", "~k")
    response = post(stash, token, [["SET", "k", "v"], ["DEL", "k"]], "/multi-exec")
    assert response.status_code == 400
    assert response.json() == {"error": NOPERM.format("del")}
    assert stash.execute("GET", "k") is None


def test_scripts_check_each_call_against_the_user(stash: FakeStash) -> None:
    token = make_user(stash, "app", "+eval", "+get", "~k")
    assert result(stash, token, "EVAL", "return redis.call('get', KEYS[1])", "1", "k") is None
    error = failure(stash, token, "EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "k")
    assert "The user executing the script can't run this command or subcommand" in error
    error = failure(stash, token, "EVAL", "return redis.call('get', 'other')", "0")
    assert "can't access at least one of the keys mentioned in the command" in error
    assert stash.execute("GET", "k") is None


def test_subscribe_and_monitor_streams_follow_the_user(stash: FakeStash) -> None:
    sse = {"Accept": "text/event-stream"}
    token = make_user(stash, "app", "+subscribe", "&news")
    with httpx.Client(transport=stash.transport(), base_url=stash.url) as c:
        auth = {"Authorization": f"Bearer {token}", **sse}
        refused = c.post("/subscribe/sports", headers=auth)
        assert refused.status_code == 400 and refused.json() == {"error": CHANNEL_DENIED}
        refused = c.post("/psubscribe/news", headers=auth)
        assert refused.json() == {"error": NOPERM.format("psubscribe")}
        refused = c.post("/monitor", headers=auth)
        assert refused.json() == {"error": NOPERM.format("monitor")}
        with c.stream("POST", "/subscribe/news", headers=auth) as response:
            assert response.status_code == 200
            stash.close()


def test_a_user_with_all_rights_runs_everything(stash: FakeStash) -> None:
    token = make_user(stash, "admin", "+@all", "allkeys", "allchannels")
    assert result(stash, token, "SET", "k", "v") == "OK"
    assert result(stash, token, "ACL", "SETUSER", "other") == "OK"
    assert result(stash, token, "KEYS", "*") == ["k"]
