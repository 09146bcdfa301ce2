"""Which database answers: one normal form for hosts, ports, and repeated headers."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from fakestash import FakeStash
from fakestash._hosts import netloc_host, normal_host, url_host

WRONGPASS = (
    "WRONGPASS invalid or missing auth token. "
    "See https://docs.upstash.com/redis/troubleshooting/http_unauthorized for details."
)


@pytest.fixture
def two() -> Iterator[FakeStash]:
    """db-a (the first database) and db-b, each with its own token."""
    stash = FakeStash(url="https://db-a.upstash.io", token="token-a")
    stash.add_database(url="https://db-b.upstash.io", token="token-b")
    stash.execute("SET", "who", "a")
    stash.execute("SET", "who", "b", db=1)
    yield stash
    stash.close()


def post(stash: FakeStash, url: str, token: str, *headers: tuple[str, str]) -> httpx.Response:
    request = httpx.Request(
        "POST", url, content=b'["GET","who"]', headers=[("Authorization", token), *headers]
    )
    return stash.handle_request(request)


@pytest.mark.parametrize(
    "url",
    [
        "https://db-b.upstash.io",
        "https://DB-B.Upstash.IO",
        "https://db-b.upstash.io.",
        "https://db-b.upstash.io:443",
        "https://db-b.upstash.io.:443",
        "https://DB-B.upstash.io.:443/",
    ],
)
def test_every_spelling_of_a_host_is_its_database(two: FakeStash, url: str) -> None:
    assert post(two, url, "token-b").json() == {"result": "b"}
    other = post(two, url, "token-a")  # db-a's token is no key to db-b, however spelled
    assert (other.status_code, other.json()) == (401, {"error": WRONGPASS})


@pytest.mark.parametrize("url", ["https://db-b.upstash.io:8443", "https://db-b.upstash.io.:6379"])
def test_another_port_on_a_served_host_is_no_database(two: FakeStash, url: str) -> None:
    for token in ("token-a", "token-b"):
        response = post(two, url, token)
        port = url.rpartition(":")[2]
        assert response.status_code == 421
        assert response.json() == {
            "error": f"fakestash: no database is served at db-b.upstash.io:{port} "
            "(https://db-b.upstash.io is; Upstash answers REST on port 443 only). "
            "Point the client at https://db-b.upstash.io."
        }
    assert two.meter.requests == two.endpoints[1].meter.requests == 0


def test_a_database_with_an_explicit_port_is_served_on_that_port_only() -> None:
    stash = FakeStash(url="http://localhost:8080", token="t")
    assert post(stash, "http://LOCALHOST:8080", "t").json() == {"result": None}
    assert post(stash, "http://localhost:8081", "t").status_code == 421
    assert post(stash, "http://localhost", "t").status_code == 421


def test_an_unknown_host_is_still_matched_by_token(two: FakeStash) -> None:
    """A respx route on another URL reaches the fake: the token picks the database."""
    assert post(two, "https://proxy.example.com", "token-b").json() == {"result": "b"}
    assert post(two, "https://proxy.example.com:8443", "token-a").json() == {"result": "a"}


def test_the_same_address_cannot_be_added_twice(two: FakeStash) -> None:
    with pytest.raises(ValueError) as info:
        two.add_database(url="https://DB-B.upstash.io.:443")
    assert str(info.value) == "this FakeStash already serves db-b.upstash.io"


def test_hosts_and_endpoint_lookup_use_the_normal_form(two: FakeStash) -> None:
    assert two.hosts == ["db-a.upstash.io", "db-b.upstash.io"]
    assert two.endpoint_for("DB-B.upstash.io.:443") is two.endpoints[1]
    assert two.endpoint_for("db-b.upstash.io:80", scheme="http") is two.endpoints[1]
    assert two.endpoint_for("db-b.upstash.io:80") is None


@pytest.mark.parametrize(
    "given, normal",
    [
        (("Example.COM.", None, "https"), "example.com"),
        (("example.com", 443, "https"), "example.com"),
        (("example.com", 443, "http"), "example.com:443"),
        (("example.com", 80, "http"), "example.com"),
        (("::1", 8080, "http"), "[::1]:8080"),
    ],
)
def test_normal_host(given: tuple[str, int | None, str], normal: str) -> None:
    assert normal_host(*given) == normal


@pytest.mark.parametrize(
    "netloc, normal",
    [
        ("user:pw@DB.upstash.io.:443", "db.upstash.io"),
        ("[::1]:443", "[::1]"),
        ("[::1]:6379", "[::1]:6379"),
        ("db.upstash.io:", "db.upstash.io"),
    ],
)
def test_netloc_host(netloc: str, normal: str) -> None:
    assert netloc_host(netloc) == normal


def test_url_host() -> None:
    assert url_host("http://Localhost.:80/path") == "localhost"
    assert url_host("https://db.upstash.io:6379") == "db.upstash.io:6379"


# ---- a header sent twice: the first counts, as Go's Header.Get reads it --------------------------


def test_two_authorization_headers_the_first_one_counts(two: FakeStash) -> None:
    first_bad = post(two, "https://db-b.upstash.io", "wrong", ("Authorization", "token-b"))
    assert (first_bad.status_code, first_bad.json()) == (401, {"error": WRONGPASS})
    first_good = post(two, "https://db-b.upstash.io", "token-b", ("Authorization", "wrong"))
    assert first_good.json() == {"result": "b"}


def test_two_encoding_headers_the_first_one_counts(two: FakeStash) -> None:
    response = post(
        two,
        "https://db-b.upstash.io",
        "token-b",
        ("Upstash-Encoding", "base64"),
        ("Upstash-Encoding", "none"),
    )
    assert response.json() == {"result": "Yg=="}
    response = post(
        two,
        "https://db-b.upstash.io",
        "token-b",
        ("Upstash-Response-Format", "json"),
        ("upstash-response-format", "resp2"),
    )
    assert response.json() == {"result": "b"}


def test_the_first_accept_header_decides_a_stream(two: FakeStash) -> None:
    request = httpx.Request(
        "POST",
        "https://db-b.upstash.io/subscribe/chat",
        headers=[("Authorization", "token-b"), ("Accept", "*/*"), ("Accept", "text/event-stream")],
    )
    response = two.handle_request(request)
    assert response.status_code == 400
    assert response.json() == {
        "error": "ERR fakestash: /subscribe is a server-sent event stream: "
        "send 'Accept: text/event-stream'"
    }
