"""The usage meter: requests, billed commands and bytes per database, budgets in tests."""

from __future__ import annotations

import gc
import tracemalloc

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakestash import FakeStash, _meter
from fakestash._meter import ENTRY_OVERHEAD, LOG_BYTES, BudgetExceeded, Meter, Usage, billable

SSE = {"Accept": "text/event-stream"}


def test_a_single_command_is_one_request_and_one_command(
    stash: FakeStash, client: httpx.Client
) -> None:
    response = client.post("/", json=["SET", "k", "v"])
    meter = stash.meter
    assert (meter.requests, meter.commands) == (1, 1)
    assert meter.bytes_in == len(response.request.content) + len(b"/")
    assert meter.bytes_out == len(response.content)


def test_path_form_bytes_in_count_the_path(stash: FakeStash, client: httpx.Client) -> None:
    client.get("/get/some-key")
    assert stash.meter.bytes_in == len(b"/get/some-key")


def test_each_pipeline_command_is_billed(stash: FakeStash, client: httpx.Client) -> None:
    client.post("/pipeline", json=[["SET", "a", "1"], ["INCR", "a"], ["GET", "a"]])
    assert (stash.meter.requests, stash.meter.commands) == (1, 3)


def test_multi_exec_bills_its_commands_not_the_wrapper(
    stash: FakeStash, client: httpx.Client
) -> None:
    client.post("/multi-exec", json=[["SET", "a", "1"], ["INCR", "a"]])
    assert stash.meter.commands == 2
    assert stash.meter.seen == [["SET", "a", "1"], ["INCR", "a"]]


def test_failed_commands_are_still_billed(stash: FakeStash, client: httpx.Client) -> None:
    client.post("/", json=["SET", "k", "v"])
    client.post("/", json=["LPUSH", "k", "x"])  # WRONGTYPE
    assert stash.meter.commands == 2


def test_operational_commands_are_not_billed(stash: FakeStash, client: httpx.Client) -> None:
    client.post("/", json=["PING"])
    client.post("/", json=["INFO"])
    client.post("/pipeline", json=[["COMMAND"], ["ping"], ["GET", "k"]])
    assert (stash.meter.requests, stash.meter.commands) == (3, 1)


def test_head_requests_bill_no_command(stash: FakeStash, client: httpx.Client) -> None:
    client.head("/")
    assert (stash.meter.requests, stash.meter.commands) == (1, 0)


def test_reset_and_snapshots(stash: FakeStash, client: httpx.Client) -> None:
    client.post("/", json=["SET", "k", "v"])
    before = stash.meter.snapshot()
    client.post("/", json=["GET", "k"])
    spent = stash.meter.snapshot() - before
    assert (spent.requests, spent.commands) == (1, 1)
    stash.meter.reset()
    assert stash.meter.snapshot() == Usage()
    assert stash.meter.seen == []


def test_each_database_has_its_own_meter(stash: FakeStash) -> None:
    second = stash.add_database()
    with httpx.Client(
        transport=stash.transport(),
        base_url=second.url,
        headers={"Authorization": f"Bearer {second.token}"},
    ) as other:
        other.post("/", json=["SET", "k", "v"])
    assert (second.meter.commands, stash.meter.commands) == (1, 0)


# ---- budgets -------------------------------------------------------------------------------


def test_assert_at_most_passes_within_budget(stash: FakeStash, client: httpx.Client) -> None:
    client.post("/pipeline", json=[["GET", "a"], ["GET", "b"]])
    stash.meter.assert_at_most(commands=2, requests=1)


def test_assert_at_most_lists_the_commands_seen(stash: FakeStash, client: httpx.Client) -> None:
    client.post("/", json=["GET", "user:1"])
    client.post("/pipeline", json=[["SET", "user:1", "x"], ["EXPIRE", "user:1", "60"]])
    with pytest.raises(BudgetExceeded) as info:
        stash.meter.assert_at_most(commands=2)
    assert str(info.value) == (
        "over budget: commands 3 > 2\n"
        "commands seen (3):\n"
        "  1. GET user:1\n"
        "  2. SET user:1 x\n"
        "  3. EXPIRE user:1 60"
    )


def test_budget_failure_is_an_assertion_error(stash: FakeStash, client: httpx.Client) -> None:
    client.post("/", json=["GET", "a"])
    with pytest.raises(AssertionError, match="requests 1 > 0"):
        stash.meter.assert_at_most(requests=0)


def test_budget_block_counts_only_what_runs_inside(stash: FakeStash, client: httpx.Client) -> None:
    client.post("/", json=["SET", "before", "1"])
    with stash.meter.budget(commands=2) as block:
        client.post("/pipeline", json=[["GET", "a"], ["GET", "b"]])
    assert (block.usage.requests, block.usage.commands) == (1, 2)


def test_budget_block_fails_listing_its_own_commands(
    stash: FakeStash, client: httpx.Client
) -> None:
    client.post("/", json=["SET", "before", "1"])
    with pytest.raises(BudgetExceeded) as info, stash.meter.budget(commands=1, bytes_out=10_000):
        client.post("/", json=["GET", "a"])
        client.post("/", json=["GET", "b"])
    assert "commands 2 > 1" in str(info.value)
    assert "before" not in str(info.value)
    assert "1. GET a\n  2. GET b" in str(info.value)


def test_budget_block_does_not_hide_an_exception(stash: FakeStash, client: httpx.Client) -> None:
    with pytest.raises(KeyError), stash.meter.budget(commands=0):
        client.post("/", json=["GET", "a"])
        raise KeyError("the real failure")


def test_budget_with_the_upstash_sdk(stash: FakeStash) -> None:
    upstash_redis = pytest.importorskip("upstash_redis")
    with stash:
        redis = upstash_redis.Redis(url=stash.url, token=stash.token)
        with stash.meter.budget(commands=3, requests=2):
            redis.get("user:1")
            pipe = redis.pipeline()
            pipe.set("user:1", "x")
            pipe.expire("user:1", 60)
            pipe.exec()


# ---- streams ----------------------------------------------------------------------------------


def test_a_subscription_bills_subscribe_and_the_unsubscribe_on_close(
    stash: FakeStash, client: httpx.Client
) -> None:
    with client.stream("POST", "/subscribe/chat", headers=SSE) as response:
        next(response.iter_raw())
        assert (stash.meter.requests, stash.meter.commands) == (1, 1)
    assert stash.meter.commands == 2
    assert stash.meter.seen == [["SUBSCRIBE", "chat"], ["UNSUBSCRIBE", "chat"]]
    stash.close()


def test_streamed_bytes_count_as_bytes_out(stash: FakeStash, client: httpx.Client) -> None:
    with client.stream("POST", "/subscribe/chat", headers=SSE) as response:
        raw = response.iter_raw()
        first = next(raw)
        stash.execute("PUBLISH", "chat", "hello")
        second = next(raw)
    assert stash.meter.bytes_out == len(first) + len(second)
    stash.close()


def test_messages_delivered_are_not_billed(stash: FakeStash, client: httpx.Client) -> None:
    stash.subscribe("chat")
    client.post("/publish/chat/hi")
    assert stash.meter.commands == 1  # the PUBLISH only


def test_a_server_side_end_bills_no_unsubscribe(stash: FakeStash, client: httpx.Client) -> None:
    with client.stream("POST", "/psubscribe/a*", headers=SSE) as response:
        stash.close()
        list(response.iter_lines())
    assert stash.meter.seen == [["PSUBSCRIBE", "a*"]]


# ---- the pieces -------------------------------------------------------------------------------


def test_billable_skips_operational_and_empty_rows() -> None:
    rows = [[b"PING"], [], [b"Info", b"all"], [b"get", b"k"], [b"AUTH", b"x"], [b"quit"]]
    assert billable(rows) == [[b"get", b"k"]]


def test_meter_log_is_bounded() -> None:
    meter = Meter()
    meter.record_request(commands=1, bytes_in=0, bytes_out=0, argvs=[[b"GET", b"k"]] * 20_000)
    assert len(meter.seen) == 10_000


def test_long_commands_are_kept_abbreviated_as_slowlog_does() -> None:
    meter = Meter()
    argv = [b"RPUSH", b"k", *(b"%d" % i for i in range(40))]
    meter.record_commands([[b"SET", b"k", b"x" * 200], argv])
    assert meter.seen == [
        ["SET", "k", "x" * 128 + "... (72 more bytes)"],
        ["RPUSH", "k", *(str(i) for i in range(29)), "... (11 more arguments)"],
    ]


def test_budget_messages_show_abbreviated_arguments(stash: FakeStash, client: httpx.Client) -> None:
    with pytest.raises(BudgetExceeded) as info, stash.meter.budget(commands=0):
        client.post("/set/k", content=b"v" * 1000)
    assert str(info.value) == (
        "over budget: commands 1 > 0\ncommands seen (1):\n"
        f"  1. set k {'v' * 128}... (872 more bytes)"
    )


def test_meter_log_is_bounded_in_bytes() -> None:
    meter = Meter()
    meter.record_commands([[b"RPUSH", b"k%d" % i, *[b"v" * 128] * 30] for i in range(5_000)])
    size = sum(len(arg) for argv in meter.seen for arg in argv)
    assert meter.commands == 5_000
    assert 900 < len(meter.seen) < 1100  # about 4 KiB each: the byte bound decides
    assert size + len(meter.seen) * ENTRY_OVERHEAD <= LOG_BYTES
    assert meter.seen[-1] == ["RPUSH", "k4999", *["v" * 128] * 30]  # the newest are kept


def test_large_values_are_not_pinned_by_the_meter(stash: FakeStash, client: httpx.Client) -> None:
    """58 x 1 MiB SETs (path form and pipeline), then FLUSHALL: nothing keeps them alive."""
    tracemalloc.start()
    try:
        for i in range(50):
            client.post(f"/set/k{i}", content=b"x" * (1 << 20))
        client.post("/pipeline", json=[["SET", f"p{i}", "y" * (1 << 20)] for i in range(8)])
        client.post("/flushall")
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 4 * (1 << 20), f"{held / (1 << 20):.1f} MiB still held after FLUSHALL"
    assert len(stash.meter.seen) == 59


def test_the_log_keeps_exactly_the_newest_commands_across_requests() -> None:
    meter = Meter()
    for batch in range(3):
        rows = [[b"INCR", b"%d-%d" % (batch, i)] for i in range(4000)]
        meter.record_request(
            commands=4000, bytes_in=0, bytes_out=0, argvs=rows, argument_bytes_at_most=10**6
        )
    seen = meter.seen
    assert len(seen) == 10_000
    assert (seen[0], seen[-1]) == (["INCR", "0-2000"], ["INCR", "2-3999"])


def test_a_request_not_known_to_be_small_is_abbreviated_at_once() -> None:
    meter = Meter()
    big = b"x" * 100_000
    meter.record_request(commands=1, bytes_in=0, bytes_out=0, argvs=[[b"SET", b"k", big]])
    meter.record_request(
        commands=1, bytes_in=0, bytes_out=0, argvs=[[b"SET", b"k", big]],
        argument_bytes_at_most=300_000,
    )
    assert meter._log.size < 1000  # neither value is kept
    assert meter.seen == [["SET", "k", "x" * 128 + "... (99872 more bytes)"]] * 2


@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.booleans(), st.booleans()), min_size=1, max_size=30
    )
)
def test_the_log_reads_the_newest_commands_however_requests_were_kept(
    requests: list[tuple[int, bool, bool]],
) -> None:
    """Requests of 0-30 commands, kept as rows, as a way to read them again (what the REST
    face passes), or abbreviated at once; the log (30 commands here) always reads the
    newest 30, in order."""
    sent: list[list[bytes]] = []
    meter = Meter()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_meter, "LOG_SIZE", 30)
        for number, (count, small, lazy) in enumerate(requests):
            rows = [[b"INCR", b"%d-%d" % (number, i)] for i in range(count)]
            sent += rows
            meter.record_request(
                commands=count, bytes_in=0, bytes_out=0, argvs=rows,
                argument_bytes_at_most=100 if small else None,
                reread=(lambda rows=rows: [list(row) for row in rows]) if lazy else None,
            )  # fmt: skip
            assert meter.seen == [[arg.decode() for arg in row] for row in sent[-30:]]


def test_the_rest_face_keeps_a_small_request_as_its_body(
    stash: FakeStash, client: httpx.Client
) -> None:
    client.post("/pipeline", json=[["SET", "a", "1"], ["PING"], ["GET", "a"]])
    (batch,) = stash.meter._log._batches
    assert callable(batch.source)  # the body, read again when the log is read
    assert stash.meter.seen == [["SET", "a", "1"], ["GET", "a"]]


@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.booleans(), st.booleans()), min_size=1, max_size=30
    )
)
def test_under_a_byte_bound_the_log_keeps_a_newest_run(
    requests: list[tuple[int, bool, bool]],
) -> None:
    """With bytes binding (1,500 here), what the log reads is still the newest commands,
    with none missing between them, and its count stays within the bound."""
    sent: list[list[str]] = []
    meter = Meter()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_meter, "LOG_BYTES", 1500)
        for number, (count, small, lazy) in enumerate(requests):
            rows = [[b"INCR", b"%d-%d" % (number, i)] for i in range(count)]
            sent += [[arg.decode() for arg in row] for row in rows]
            meter.record_request(
                commands=count, bytes_in=0, bytes_out=0, argvs=rows,
                argument_bytes_at_most=100 if small else None,
                reread=(lambda rows=rows: [list(row) for row in rows]) if lazy else None,
            )  # fmt: skip
            seen = meter.seen
            assert seen == sent[len(sent) - len(seen) :]
            assert meter._log.size <= 1500
