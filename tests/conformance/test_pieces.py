"""The conformance package's pieces: the RESP2 reader, Redis URLs, the scope gate, the
seeded draw, the shipped scripts and libraries, deviations' explanations, the report."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import httpx
import pytest

from fakestash import FakeStash
from fakestash._backends import resp2
from fakestash._backends.connection import RedisAddress
from fakestash._conformance.draw import RandomDraw, seeded
from fakestash._conformance.families import FAMILIES
from fakestash._conformance.families.functions import LIBRARIES, library_text
from fakestash._conformance.families.scripting import SCRIPTS
from fakestash._conformance.report import CheckResult, Difference, FamilyResult, Report, show
from fakestash._conformance.runner import Options, Runner, Session, open_target, sequence_pair
from fakestash._conformance.scope import Scope
from fakestash._conformance.sequence import run_sequence
from fakestash._conformance.wire import Side
from fakestash._engine.replies import ErrorReply, Status
from fakestash.deviations import BY_ID, explain

PREFIX = "fakestash-conformance:abcdefabcdef:strings:3:"

# ---- RESP2 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reply"),
    [
        (b"+OK\r\n", Status("OK")),
        (b"-ERR bad\r\n", ErrorReply("ERR bad")),
        (b":-42\r\n", -42),
        (b"$3\r\n\x00\r\n\r\n", b"\x00\r\n"),
        (b"$-1\r\n", None),
        (b"*-1\r\n", None),
        (b"*3\r\n$1\r\na\r\n*1\r\n:1\r\n-NOSCRIPT x\r\n", [b"a", [1], ErrorReply("NOSCRIPT x")]),
        (b"*0\r\n", []),
    ],
)
def test_resp2_replies_read_as_engine_values(data: bytes, reply: Any) -> None:
    assert resp2.parse(data) == (reply, len(data))
    assert resp2.read_reply(io.BytesIO(data)) == reply
    assert type(resp2.parse(data)[0]) is type(reply)


@pytest.mark.parametrize("data", [b"$5\r\nab\r\n", b"*2\r\n:1\r\n", b"+OK"])
def test_a_cut_reply_is_incomplete(data: bytes) -> None:
    with pytest.raises(resp2.Incomplete):
        resp2.parse(data)
    with pytest.raises(ConnectionError):
        resp2.read_reply(io.BytesIO(data))


@pytest.mark.parametrize("data", [b"?x\r\n", b":x\r\n", b"$2\r\nabc\r\n"])
def test_what_is_not_resp2_is_refused(data: bytes) -> None:
    with pytest.raises(resp2.ProtocolError):
        resp2.parse(data)


def test_commands_pack_as_bulk_arrays_and_pipelines_read_whole() -> None:
    assert resp2.pack([b"SET", b"k", b""]) == b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
    assert resp2.parse_all(b"+OK\r\n:1\r\n$-1\r\n") == [Status("OK"), 1, None]


def test_arrays_of_any_depth_are_read_without_recursion() -> None:
    data = b"*1\r\n" * 100_000 + b":1\r\n"
    parsed, end = resp2.parse(data)
    assert end == len(data)
    for reply in (parsed, resp2.read_reply(io.BytesIO(data))):
        for _ in range(100_000):
            assert isinstance(reply, list) and len(reply) == 1
            reply = reply[0]
        assert reply == 1


# ---- Redis URLs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "address", "shown"),
    [
        ("redis://127.0.0.1:6380", RedisAddress(port=6380), "redis://127.0.0.1:6380"),
        ("redis://u:p%40ss@h/2", RedisAddress("h", 6379, 2, "u", "p@ss"), "redis://u@h:6379/2"),
        ("rediss://:secret@h:1", RedisAddress("h", 1, 0, None, "secret", True), "rediss://h:1"),
        ("unix:///tmp/r.sock?db=1", RedisAddress(db=1, unix_path="/tmp/r.sock"),
         "unix:///tmp/r.sock?db=1"),
    ],
)  # fmt: skip
def test_redis_urls(url: str, address: RedisAddress, shown: str) -> None:
    assert RedisAddress.from_url(url) == address
    assert str(address) == shown  # never the password


def test_a_url_that_is_not_redis_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Redis URL"):
        RedisAddress.from_url("http://h")


# ---- the scope gate -------------------------------------------------------------------------


def _scope(exclusive: bool = False) -> Scope:
    scope = Scope(PREFIX, "fcabcdefabcdef_strings_3", exclusive=exclusive)
    scope.script("return 1")
    return scope


@pytest.mark.parametrize(
    "argv",
    [
        ["SET", PREFIX + "k1", "v"],
        ["MGET", PREFIX + "k1", PREFIX + "k2"],
        ["KEYS", PREFIX + "k*"],
        ["PUBLISH", PREFIX + "news", "hi"],
        ["PUBSUB", "NUMSUB", PREFIX + "a", PREFIX + "b"],
        ["EVAL", "return 1", "1", PREFIX + "k1"],
        ["FCALL", "fcabcdefabcdef_strings_3_count", "0"],
        ["FUNCTION", "LOAD", "#!lua name=fcabcdefabcdef_strings_3_lib\n"
         "redis.register_function('fcabcdefabcdef_strings_3_f', function() return 1 end)"],
        ["NOSUCHCOMMAND", "x"],
        ["GET"],
    ],
)  # fmt: skip
def test_what_stays_inside_the_run_is_sent(argv: list[str]) -> None:
    assert _scope().refusal([a.encode() for a in argv]) is None


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["SET", "user:1", "v"], "outside the run's prefix"),
        (["RENAME", PREFIX + "k1", "k2"], "outside the run's prefix"),
        (["KEYS", "*"], "outside the run's own"),
        (["PUBLISH", "news", "hi"], "outside the run's own"),
        (["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"], "outside the run's own"),
        (["FCALL", "count", "0"], "outside the run's own"),
        (["FUNCTION", "LOAD", "#!lua name=applib\nredis.register_function('f', f)"], "own"),
        (["FUNCTION", "LOAD", "#!lua name=fcabcdefabcdef_strings_3_l\n"
          "redis.register_function('count', f)"], "outside the run's own"),
        (["FLUSHALL"], "never sent"),
        (["FLUSHDB", "ASYNC"], "never sent"),
        (["SELECT", "0"], "never sent"),
        (["CONFIG", "SET", "maxmemory", "1"], "never sent"),
        (["DBSIZE"], "--exclusive"),
        (["RANDOMKEY"], "--exclusive"),
        (["SCAN", "0", "MATCH", PREFIX + "*"], "--exclusive"),
        (["SCRIPT", "FLUSH"], "--exclusive"),
        (["FUNCTION", "FLUSH"], "--exclusive"),
        (["PUBSUB", "CHANNELS"], "--exclusive"),
    ],
)  # fmt: skip
def test_what_reaches_beyond_the_run_is_not_sent(argv: list[str], reason: str) -> None:
    refusal = _scope().refusal([a.encode() for a in argv])
    assert refusal is not None and reason in refusal


def test_an_exclusive_database_takes_database_wide_commands_and_foreign_reads() -> None:
    scope = _scope(exclusive=True)
    for argv in (["DBSIZE"], ["SCRIPT", "FLUSH"], ["SINTERCARD", "2", PREFIX + "a", "LIMIT"]):
        assert scope.refusal([a.encode() for a in argv]) is None
    assert scope.refusal([b"SET", b"outside", b"v"]) is not None
    assert scope.refusal([b"FLUSHALL"]) is not None


def test_scripts_sent_by_the_run_are_its_own() -> None:
    scope = _scope()
    tagged = scope.script("return 2")
    assert tagged.endswith(f"\n-- {PREFIX}")
    from hashlib import sha1

    sha = sha1(tagged.encode()).hexdigest().upper()
    assert scope.refusal([b"EVALSHA", sha.encode(), b"0"]) is None


def test_every_shipped_script_touches_only_the_keys_it_is_given() -> None:
    """The scripting family sends EVAL on a shared database: its scripts must name no key."""
    stash = FakeStash(seed=0)
    keys = [PREFIX + "k1", PREFIX + "k2"]
    for script in SCRIPTS:
        body = script.replace("allow-key-locking,", "").replace("flags=allow-key-locking", "")
        try:
            stash.execute("EVAL", body, 2, *keys, "1", "2")
        except Exception:  # errors are fine: only what it touched matters
            pass
        assert all(key.startswith(PREFIX.encode()) for key in stash.execute("KEYS", "*")), script


def test_every_shipped_library_and_function_is_named_for_its_sequence() -> None:
    session = Session(Side.of_fake(FakeStash(seed=0)))
    with sequence_pair(session, FAMILIES["functions"], 7) as seq:
        for lib in LIBRARIES:
            text = library_text(seq, lib).encode()
            assert seq.scope.refusal([b"FUNCTION", b"LOAD", text]) is None, lib


# ---- the draw ---------------------------------------------------------------------------------


def test_a_sequence_is_a_function_of_seed_family_and_number_only() -> None:
    def commands(number: int) -> list[list[bytes]]:
        stash = FakeStash(seed=0)
        session = Session(Side.of_fake(stash), exclusive=True, prefix="fakestash-conformance:x:")
        with stash.monitor() as log, sequence_pair(session, FAMILIES["zsets"], number) as seq:
            run_sequence(FAMILIES["zsets"], seq, 25)
        return [[a.encode() for a in c] for c in log.commands]

    assert commands(4) == commands(4)
    assert commands(4) != commands(5)
    assert seeded(1, "zsets", 4).integer(0, 10**9) == seeded(1, "zsets", 4).integer(0, 10**9)


def test_the_random_draw_keeps_to_its_bounds() -> None:
    draw = RandomDraw(random.Random(3))
    for _ in range(2000):
        assert 0.5 <= draw.double(0.5, 2.0) <= 2.0
        assert -3 <= draw.integer(-3, 3) <= 3
        assert len(draw.binary(4, 1)) in range(1, 5)
        assert set(draw.text("ab", 3)) <= {"a", "b"}


# ---- deviations explain differences -------------------------------------------------------


def test_the_int_text_deviation_explains_upstash_s_spelling() -> None:
    argv = [b"INCR", b"k"]
    fake = ErrorReply("ERR value is not an integer or out of range")
    upstash = ErrorReply("ERR value is not an int or out of range")
    explained = explain(argv, fake, upstash, "upstash")
    assert explained is BY_ID["not-an-int-text"]
    assert explain(argv, [1, fake], [1, upstash], "upstash") is explained
    assert explain(argv, fake, upstash, "redis") is None
    assert explain(argv, fake, ErrorReply("ERR other"), "upstash") is None
    assert explain(argv, [2, fake], [1, upstash], "upstash") is None


# ---- an endpoint without RESP2 ------------------------------------------------------------


class NoResp2:
    """A REST proxy that ignores Upstash-Response-Format (answers JSON only)."""

    def __init__(self, stash: FakeStash) -> None:
        self.stash = stash

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"upstash-response-format"]
        plain = httpx.Request(request.method, request.url, headers=headers, content=request.read())
        return self.stash.handle_request(plain)


@pytest.mark.timeout(300)
def test_an_endpoint_without_resp2_is_read_in_base64_json() -> None:
    stash = FakeStash(seed=1)
    transport = httpx.MockTransport(NoResp2(stash).handle_request)
    target = open_target(stash.url, stash.token, transport=transport)
    options = Options(families=("strings", "hashes"), checks=(), sequences=3, steps=20)
    report = Runner(target, options, say=lambda _: None).run()
    assert not report.resp2
    assert report.exit_status == 0, report.to_text()
    assert "replies read in base64 JSON" in report.to_text()


# ---- the report ------------------------------------------------------------------------------


def _report() -> Report:
    difference = Difference(
        where="strings sequence 3", command='"STRLEN" "<p>k1"', fake="4", endpoint="3",
        reproduce="fakestash conformance https://x --seed 0 --family strings --sequence 3",
        recent=['"SET" "<p>k1" "abc"'],
    )  # fmt: skip
    explained = Difference("keys sequence 1", '"COPY" "<p>k1" "<p>k1"', "0", "(error) ERR x",
                           "…", explained_by="copy-same-key")  # fmt: skip
    family = FamilyResult("strings", "s", 4, 3, 1, 80, differences=[difference],
                          skipped={"DBSIZE: acts on the whole database": 2},
                          deviations={"copy-same-key": 3})  # fmt: skip
    keys = FamilyResult("keys", "k", 1, 0, 1, 10, differences=[explained])
    checks = [
        CheckResult("body-form", "Body", "matched", fake=[1], endpoint=[1]),
        CheckResult("empty-command", "Empty", "differed", "Q2", {"a": 1}, {"a": 2},
                    reproduce="fakestash conformance https://x --seed 0 --checks empty-command"),
        CheckResult("monitor", "Monitor", "skipped", reason="no streams"),
    ]  # fmt: skip
    return Report("https://x", "upstash", "8.2.0", families=[family, keys], checks=checks,
                  seed=0, sequences=4, steps=30, planned_commands=300, commands_sent=250)  # fmt: skip


def test_the_report_counts_what_nothing_explains() -> None:
    report = _report()
    assert report.unexplained == 2 and report.exit_status == 1
    text = report.to_text()
    assert "FAILED: 2 unexplained difference(s), 1 explained" in text
    assert "--family strings --sequence 3" in text and "--checks empty-command" in text
    assert "explained by deviation 'copy-same-key'" in text
    assert 'commands before it:\n        "SET" "<p>k1" "abc"' in text
    assert "deviations from Redis applied: copy-same-key 3x" in text


def test_the_json_report_is_complete_and_diffable() -> None:
    data = json.loads(_report().to_json())
    assert data["exit_status"] == 1 and data["unexplained"] == 2
    assert data["families"][0]["differences"][0]["fake"] == "4"
    assert data["checks"][1]["fake"] == {"a": 1}
    assert _report().to_json() == _report().to_json()


def test_the_markdown_report_has_tables_and_differences() -> None:
    markdown = _report().to_markdown()
    assert markdown.startswith("# fakestash conformance report\n")
    assert "| strings | 4 | 3 | 1 | 80 | 2 |" in markdown
    assert "### strings sequence 3: `\"STRLEN\" \"<p>k1\"`" in markdown
    assert "| empty-command | Q2 | differed |" in markdown
    assert "| strings | copy-same-key 3x |" in markdown


@pytest.mark.parametrize(
    ("reply", "text"),
    [(Status("OK"), "OK"), (b"a\xff", '"a\\\\xff"'), (None, "nil"), (3, "3"),
     (ErrorReply("ERR x"), "(error) ERR x"), ([b"a", [1, None]], '["a", [1, nil]]')],
)  # fmt: skip
def test_replies_are_shown_on_one_line(reply: Any, text: str) -> None:
    assert show(reply) == text
