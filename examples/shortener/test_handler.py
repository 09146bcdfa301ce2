"""Tests of the example Lambda handler, on a fresh fake Upstash database per test."""

from __future__ import annotations

import json
from typing import Any

import pytest
from freezegun import freeze_time
from handler import LINK_TTL_SECONDS, handler


def post_link(url: str, ip: str = "1.2.3.4") -> dict[str, Any]:
    return handler(
        {
            "httpMethod": "POST",
            "path": "/links",
            "body": json.dumps({"url": url}),
            "requestContext": {"identity": {"sourceIp": ip}},
        }
    )


def get(path: str) -> dict[str, Any]:
    return handler({"httpMethod": "GET", "path": path})


def test_a_new_link_redirects(fakestash: Any) -> None:
    created = post_link("https://example.com/a")
    assert created["statusCode"] == 201
    code = json.loads(created["body"])["code"]
    assert get(f"/{code}") == {
        "statusCode": 302,
        "headers": {"Location": "https://example.com/a"},
        "body": "",
    }


def test_unknown_code_is_404(fakestash: Any) -> None:
    assert get("/nope")["statusCode"] == 404


def test_links_expire_after_a_week(fakestash: Any) -> None:
    with freeze_time("2026-01-01 12:00:00") as frozen:
        code = json.loads(post_link("https://example.com/b")["body"])["code"]
        frozen.tick(LINK_TTL_SECONDS - 1)
        assert get(f"/{code}")["statusCode"] == 302
        frozen.tick(2)
        assert get(f"/{code}")["statusCode"] == 404


def test_clicks_rank_the_top_links(fakestash: Any) -> None:
    a = json.loads(post_link("https://a.example")["body"])["code"]
    b = json.loads(post_link("https://b.example")["body"])["code"]
    for _ in range(3):
        get(f"/{b}")
    get(f"/{a}")
    assert json.loads(get("/stats/top")["body"]) == {"top": [[b, 3], [a, 1]]}


def test_recent_list_is_capped(fakestash: Any) -> None:
    with freeze_time("2026-01-01") as frozen:
        for i in range(12):
            post_link(f"https://example.com/{i}", ip=f"10.0.0.{i}")
            frozen.tick(1)
    assert fakestash.execute("LLEN", "links:recent") == 10


def test_creation_is_rate_limited_per_ip_and_the_window_resets(fakestash: Any) -> None:
    with freeze_time("2026-01-01 00:00:00") as frozen:
        statuses = [post_link(f"https://example.com/{i}")["statusCode"] for i in range(6)]
        assert statuses == [201] * 5 + [429]
        assert post_link("https://example.com/other-ip", ip="5.6.7.8")["statusCode"] == 201
        frozen.tick(60)
        assert post_link("https://example.com/later")["statusCode"] == 201


def test_bad_url_is_refused_without_touching_redis(fakestash: Any) -> None:
    assert post_link("ftp://x")["statusCode"] == 400
    assert fakestash.execute("DBSIZE") == 0


@pytest.mark.fakestash(seed=1)
def test_ids_are_deterministic(fakestash: Any) -> None:
    codes = [
        json.loads(post_link(f"https://e.com/{i}", ip=str(i))["body"])["code"] for i in range(3)
    ]
    assert codes == ["1", "2", "3"]
