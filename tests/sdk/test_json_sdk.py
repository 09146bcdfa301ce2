"""The upstash-redis SDK drives JSON.* (``redis.json``) through the plugin, base64 on and off.

Shapes follow upstash-redis' own tests (tests/commands/json/*), except ordering: Upstash's
server orders some recursive-descent results differently; fakestash keeps RedisJSON's order.
"""

from __future__ import annotations

from typing import Any

import pytest
from upstash_redis.errors import UpstashError

DOC = {"int": 1, "array": [1, 2, 3, 4], "object": {"array": [5, 6, 7]}}


@pytest.fixture
def doc(redis: Any) -> Any:
    assert redis.json.set("j", "$", DOC) is True
    return redis


def test_set_get_nx_xx(redis: Any) -> None:
    assert redis.json.get("j") is None
    assert redis.json.set("j", "$", {"test": 1}) is True
    assert redis.json.set("j", "$.str", "test") is True
    assert redis.json.set("j", "$.float", 1.5) is True
    assert redis.json.set("j", "$.bool", True) is True
    assert redis.json.set("j", "$.array", [1, 2, "test"]) is True
    assert redis.json.set("j", "$.null", None) is True
    assert redis.json.get("j") == [
        {
            "test": 1,
            "str": "test",
            "float": 1.5,
            "bool": True,
            "array": [1, 2, "test"],
            "null": None,
        }
    ]
    assert redis.json.set("j", "$", {"str": "x"}, nx=True) is False
    assert redis.json.set("j", "$.new", 2, xx=True) is False
    assert redis.json.set("j", "$.str", "y", xx=True) is True
    assert redis.json.get("j", "$.str") == ["y"]
    with pytest.raises(UpstashError, match="new objects must be created at the root"):
        redis.json.set("other", "$.a", 1)


def test_get_paths_and_dialects(doc: Any) -> None:
    assert doc.json.get("j", "$.array") == [[1, 2, 3, 4]]
    assert doc.json.get("j", "$.array", "$.int") == {"$.array": [[1, 2, 3, 4]], "$.int": [1]}
    assert doc.json.get("j", "$.nope") == []
    assert doc.json.get("j", "$..array") == [[5, 6, 7], [1, 2, 3, 4]]  # Upstash: deeper first
    assert doc.json.get("j", ".int") == 1
    with pytest.raises(UpstashError, match=r"Path '\$.nope' does not exist"):
        doc.json.get("j", ".nope")


def test_mget_mset_merge(doc: Any) -> None:
    assert doc.json.mset([("j2", "$", {"a": 1}), ("j", "$.int", 5)]) is True
    assert doc.json.mget(["j", "j2", "missing"], "$.int") == [[5], [], None]
    assert doc.json.merge("j2", "$", {"a": None, "b": {"c": 2}}) is True
    assert doc.json.get("j2") == [{"b": {"c": 2}}]


def test_del_forget_type_clear(doc: Any) -> None:
    assert doc.json.type("j", "$..array") == ["array", "array"]
    assert doc.json.type("j") == ["object"]
    assert doc.json.clear("j", "$.object") == 1
    assert doc.json.forget("j", "$.object") == 1
    assert doc.json.delete("j", "$.array[0]") == 1
    assert doc.json.get("j") == [{"int": 1, "array": [2, 3, 4]}]
    assert doc.json.delete("j") == 1
    assert doc.json.get("j") is None


def test_numbers_and_toggle(doc: Any) -> None:
    assert doc.json.numincrby("j", "$.int", 2) == [3]
    assert doc.json.numincrby("j", "$..array", 1) == [None, None]
    assert doc.json.nummultby("j", "$.int", 1.5) == [4.5]
    assert doc.json.numincrby("j", ".int", 1) == 5.5
    assert doc.json.set("j", "$.flag", True) is True
    assert doc.json.toggle("j", "$.flag") == [False]
    assert doc.json.toggle("j", "$.int") == [None]


def test_arrays(doc: Any) -> None:
    assert doc.json.arrappend("j", "$..array", "x", 9) == [5, 6]
    assert doc.json.arrlen("j", "$..array") == [5, 6]
    assert doc.json.arrindex("j", "$.array", "x") == [4]
    assert doc.json.arrindex("j", "$.array", 9, 0, 4) == [-1]
    assert doc.json.arrinsert("j", "$.array", 0, {"z": 1}) == [7]
    assert doc.json.arrpop("j", "$.array", 0) == [{"z": 1}]
    assert doc.json.arrpop("j", "$..array") == [9, 9]
    assert doc.json.arrpop("j", "$.int") == [None]
    assert doc.json.arrtrim("j", "$.array", 1, 2) == [2]
    assert doc.json.get("j", "$.array") == [[2, 3]]
    with pytest.raises(UpstashError, match="index out of bounds"):
        doc.json.arrinsert("j", "$.array", 9, 1)


def test_strings_and_objects(doc: Any) -> None:
    assert doc.json.set("j", "$.s", "hé") is True
    assert doc.json.strlen("j", "$.s") == [3]
    assert doc.json.strappend("j", "$.s", "llo") == [6]
    assert doc.json.get("j", "$.s") == ["héllo"]
    assert doc.json.objkeys("j", "$") == [["int", "array", "object", "s"]]
    assert doc.json.objkeys("j", "$.int") == [None]
    assert doc.json.objlen("j", "$..object") == [1]


def test_resp(doc: Any) -> None:
    assert doc.json.resp("j", "$.object") == [["{", "array", ["[", 5, 6, 7]]]
    assert doc.json.resp("j", "$.int") == [1]


def test_wrong_redis_type(redis: Any) -> None:
    redis.set("plain", "v")
    with pytest.raises(UpstashError, match="Existing key has wrong Redis type"):
        redis.json.get("plain")
