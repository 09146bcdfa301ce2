"""Pub/sub in the engine: PUBLISH, SPUBLISH, PUBSUB, the broker, the monitor feed, and the
test-side collectors (``stash.subscribe``, ``stash.monitor``)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakestash import FakeStash, ManualClock
from fakestash._engine.broker import OVERFLOW, BufferLimit, Mailbox
from fakestash._engine.glob import glob_match
from fakestash._engine.monitor import format_line, repr_arg
from fakestash._engine.registry import Registry
from fakestash._pubsub_api import StreamClosed
from tests.helpers import error, run

# ---- PUBLISH ---------------------------------------------------------------------------


def test_publish_without_subscribers_reaches_nobody(stash: FakeStash) -> None:
    assert run(stash, "PUBLISH", "chat", "hi") == 0


def test_publish_counts_each_subscriber(stash: FakeStash) -> None:
    a, b = stash.subscribe("chat"), stash.subscribe("chat")
    assert run(stash, "PUBLISH", "chat", "hi") == 2
    assert a.texts == ["hi"] and b.texts == ["hi"]


def test_publish_counts_a_client_once_per_matching_subscription(stash: FakeStash) -> None:
    both = stash.subscribe("news.tech")
    both.psubscribe("news.*", "*")
    assert run(stash, "PUBLISH", "news.tech", "x") == 3
    kinds = [(m.kind, m.pattern) for m in both.messages]
    assert kinds == [("message", None), ("pmessage", b"news.*"), ("pmessage", b"*")]


def test_publish_reaches_only_the_named_channel(stash: FakeStash) -> None:
    chat = stash.subscribe("chat")
    run(stash, "PUBLISH", "other", "x")
    run(stash, "PUBLISH", "Chat", "x")
    assert chat.messages == []


def test_payloads_are_raw_bytes(stash: FakeStash) -> None:
    chat = stash.subscribe(b"bin\x00chan")
    run(stash, "PUBLISH", b"bin\x00chan", b"\xff\x00a,b\n")
    assert chat.payloads == [b"\xff\x00a,b\n"]
    assert chat.messages[0].channel == b"bin\x00chan"


def test_publish_arity(stash: FakeStash) -> None:
    assert error(stash, "PUBLISH", "a") == "ERR wrong number of arguments for 'publish' command"
    assert error(stash, "SPUBLISH", "a") == "ERR wrong number of arguments for 'spublish' command"


def test_messages_arrive_in_publish_order(stash: FakeStash) -> None:
    chat = stash.subscribe("chat")
    for n in range(50):
        run(stash, "PUBLISH", "chat", n)
    assert chat.texts == [str(n) for n in range(50)]


# ---- patterns ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "channel", "matches"),
    [
        ("news.*", "news.tech", True),
        ("news.*", "news.", True),
        ("news.*", "news", False),
        ("h?llo", "hello", True),
        ("h?llo", "hllo", False),
        ("h[ae]llo", "hallo", True),
        ("h[ae]llo", "hillo", False),
        ("h[^e]llo", "hallo", True),
        ("h[^e]llo", "hello", False),
        ("h[a-c]llo", "hbllo", True),
        ("h\\*llo", "h*llo", True),
        ("h\\*llo", "hello", False),
        ("*", "", True),
    ],
)
def test_psubscribe_matches_as_redis_globs(
    stash: FakeStash, pattern: str, channel: str, matches: bool
) -> None:
    sub = stash.psubscribe(pattern)
    assert run(stash, "PUBLISH", channel, "m") == int(matches)
    assert len(sub) == int(matches)


def test_pmessage_names_pattern_and_channel(stash: FakeStash) -> None:
    sub = stash.psubscribe("user:*")
    run(stash, "PUBLISH", "user:1", "joined")
    [message] = sub.messages
    assert (message.kind, message.pattern, message.channel, message.data) == (
        "pmessage",
        b"user:*",
        b"user:1",
        b"joined",
    )


@given(st.binary(max_size=8), st.binary(max_size=8))
def test_publish_count_agrees_with_glob_match(pattern: bytes, channel: bytes) -> None:
    stash = FakeStash()
    stash.psubscribe(pattern)
    assert stash.execute("PUBLISH", channel, "x") == int(glob_match(pattern, channel))


# ---- subscribe confirmations and unsubscribing -----------------------------------------


def test_subscribe_confirmations_count_channels_and_patterns(stash: FakeStash) -> None:
    sub = stash.subscribe("a", "b")
    sub.psubscribe("c*")
    events = [(e.kind, e.channel, e.count) for e in sub.events]
    assert events == [("subscribe", b"a", 1), ("subscribe", b"b", 2), ("psubscribe", b"c*", 3)]


def test_subscribing_twice_to_a_channel_keeps_the_count(stash: FakeStash) -> None:
    sub = stash.subscribe("a", "a")
    assert [e.count for e in sub.events] == [1, 1]
    assert run(stash, "PUBLISH", "a", "x") == 1


def test_unsubscribe_stops_delivery_and_confirms(stash: FakeStash) -> None:
    sub = stash.subscribe("a", "b")
    sub.unsubscribe("a")
    assert run(stash, "PUBLISH", "a", "x") == 0
    assert run(stash, "PUBLISH", "b", "y") == 1
    assert [(e.kind, e.channel, e.count) for e in sub.events if not e.is_message][-1] == (
        "unsubscribe",
        b"a",
        1,
    )
    assert sub.texts == ["y"]


def test_unsubscribe_without_arguments_leaves_every_channel(stash: FakeStash) -> None:
    sub = stash.subscribe("a", "b")
    sub.unsubscribe()
    assert run(stash, "PUBSUB", "NUMSUB", "a", "b") == [b"a", 0, b"b", 0]


def test_punsubscribe(stash: FakeStash) -> None:
    sub = stash.psubscribe("a*", "b*")
    sub.punsubscribe("a*")
    assert run(stash, "PUBLISH", "ax", "1") == 0
    assert run(stash, "PUBSUB", "NUMPAT") == 1


def test_closing_a_collector_unsubscribes_and_keeps_what_arrived(stash: FakeStash) -> None:
    with stash.subscribe("chat") as chat:
        run(stash, "PUBLISH", "chat", "one")
    assert chat.closed
    assert run(stash, "PUBLISH", "chat", "two") == 0
    assert chat.texts == ["one"]


# ---- SPUBLISH and shard channels -------------------------------------------------------


def test_spublish_reaches_shard_subscribers_only(stash: FakeStash) -> None:
    plain = stash.subscribe("orders")
    pattern = stash.psubscribe("*")
    shard = stash.ssubscribe("orders")
    assert run(stash, "SPUBLISH", "orders", "o1") == 1
    assert [(m.kind, m.text) for m in shard.messages] == [("smessage", "o1")]
    assert plain.messages == [] and pattern.messages == []


def test_publish_does_not_reach_shard_subscribers(stash: FakeStash) -> None:
    shard = stash.ssubscribe("orders")
    assert run(stash, "PUBLISH", "orders", "x") == 0
    assert shard.messages == []


# ---- PUBSUB ------------------------------------------------------------------------------


def test_pubsub_channels_lists_active_channels_sorted(stash: FakeStash) -> None:
    stash.subscribe("b", "a")
    stash.subscribe("c")
    stash.psubscribe("z*")
    assert run(stash, "PUBSUB", "CHANNELS") == [b"a", b"b", b"c"]
    assert run(stash, "PUBSUB", "channels", "[ab]") == [b"a", b"b"]


def test_pubsub_channels_forgets_channels_left_empty(stash: FakeStash) -> None:
    sub = stash.subscribe("a")
    sub.close()
    assert run(stash, "PUBSUB", "CHANNELS") == []


def test_pubsub_numsub_excludes_pattern_subscribers(stash: FakeStash) -> None:
    stash.subscribe("a")
    stash.subscribe("a", "b")
    stash.psubscribe("a")
    assert run(stash, "PUBSUB", "NUMSUB", "a", "b", "c") == [b"a", 2, b"b", 1, b"c", 0]
    assert run(stash, "PUBSUB", "NUMSUB") == []


def test_pubsub_numpat_counts_distinct_patterns(stash: FakeStash) -> None:
    stash.psubscribe("a*", "b*")
    stash.psubscribe("a*")
    assert run(stash, "PUBSUB", "NUMPAT") == 2


def test_pubsub_shard_channels_and_numsub(stash: FakeStash) -> None:
    stash.ssubscribe("s2", "s1")
    stash.subscribe("plain")
    assert run(stash, "PUBSUB", "SHARDCHANNELS") == [b"s1", b"s2"]
    assert run(stash, "PUBSUB", "SHARDCHANNELS", "*2") == [b"s2"]
    assert run(stash, "PUBSUB", "SHARDNUMSUB", "s1", "plain") == [b"s1", 1, b"plain", 0]


def test_pubsub_errors(stash: FakeStash) -> None:
    assert error(stash, "PUBSUB") == "ERR wrong number of arguments for 'pubsub' command"
    assert error(stash, "PUBSUB", "NUMPAT", "x") == (
        "ERR wrong number of arguments for 'pubsub|numpat' command"
    )
    assert error(stash, "PUBSUB", "CHANNELS", "a", "b") == (
        "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."
    )
    assert error(stash, "PUBSUB", "SHARDCHANNELS", "a", "b") == (
        "ERR unknown subcommand or wrong number of arguments for 'SHARDCHANNELS'. Try PUBSUB HELP."
    )
    assert error(stash, "PUBSUB", "foo") == "ERR unknown subcommand 'foo'. Try PUBSUB HELP."


def test_pubsub_help(stash: FakeStash) -> None:
    lines = run(stash, "PUBSUB", "HELP")
    assert isinstance(lines, list)
    assert lines[0] == "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert lines[-1] == "    Prints this help."
    assert len(lines) == 14


def test_pubsub_commands_are_in_the_table() -> None:
    pubsub = Registry.default().get("pubsub")
    assert pubsub is not None
    assert sorted(pubsub.subcommands) == [
        "channels",
        "help",
        "numpat",
        "numsub",
        "shardchannels",
        "shardnumsub",
    ]


# ---- waiting across threads and tasks --------------------------------------------------


def test_wait_for_sees_a_publish_from_another_thread(stash: FakeStash) -> None:
    chat = stash.subscribe("chat")
    thread = threading.Thread(target=lambda: stash.execute("PUBLISH", "chat", "from thread"))
    thread.start()
    assert chat.wait_for(1, timeout=5) == ["from thread"]
    thread.join()


def test_wait_for_times_out_with_what_arrived(stash: FakeStash) -> None:
    chat = stash.subscribe("chat")
    run(stash, "PUBLISH", "chat", "only one")
    with pytest.raises(TimeoutError, match=r"waited 0.05s for 2 messages, got 1.*only one"):
        chat.wait_for(2, timeout=0.05)


async def test_wait_for_async_sees_a_publish_from_a_task(stash: FakeStash) -> None:
    chat = stash.subscribe("chat")

    async def publisher() -> None:
        stash.execute("PUBLISH", "chat", "from task")

    task = asyncio.create_task(publisher())
    assert await chat.wait_for_async(1, timeout=5) == ["from task"]
    await task


async def test_wait_for_async_sees_a_publish_from_another_thread(stash: FakeStash) -> None:
    chat = stash.subscribe("chat")
    started = threading.Event()

    def publisher() -> None:
        started.wait(5)
        stash.execute("PUBLISH", "chat", "cross-thread")

    thread = threading.Thread(target=publisher)
    thread.start()
    started.set()
    assert await chat.wait_for_async(1, timeout=5) == ["cross-thread"]
    thread.join()


def test_broker_waits_for_a_subscriber_in_another_thread(stash: FakeStash) -> None:
    broker = stash.broker()
    received: list[str] = []

    def subscriber() -> None:
        chat = stash.subscribe("chat")
        received.extend(chat.wait_for(1, timeout=5))

    thread = threading.Thread(target=subscriber)
    thread.start()
    assert broker.wait_for_subscribers(b"chat", timeout=5)
    assert run(stash, "PUBLISH", "chat", "now") == 1
    thread.join()
    assert received == ["now"]


def test_server_close_ends_collectors_and_waits(stash: FakeStash) -> None:
    chat = stash.subscribe("chat")
    log = stash.monitor()
    stash.close()
    assert chat.closed and log.closed
    with pytest.raises(StreamClosed) as closed:
        chat.wait_for(1, timeout=5)  # fails at once: the subscriber is gone
    assert str(closed.value) == (
        "this Collector was closed (server closed) with 0 of the 1 messages waited for; "
        "nothing more can arrive: Collector([], texts=[])"
    )
    with pytest.raises(StreamClosed, match=r"^this CommandLog was closed \(server closed\)"):
        log.wait_for(1, timeout=5)
    assert stash.subscribe("late").closed


@pytest.mark.timeout(30)
def test_wait_for_after_the_test_closed_a_collector_says_so(stash: FakeStash) -> None:
    chat = stash.subscribe("chat")
    stash.execute("PUBLISH", "chat", "one")
    chat.close()
    assert chat.wait_for(1) == ["one"]  # what arrived before the close still counts
    with pytest.raises(StreamClosed, match=r"^this Collector was closed \(closed by test\) with 1 of the 2 messages"):
        chat.wait_for(2, timeout=60)


@pytest.mark.timeout(30)
async def test_wait_for_async_after_close_says_so(stash: FakeStash) -> None:
    chat = stash.subscribe("chat")
    chat.close()
    with pytest.raises(StreamClosed, match="closed by test"):
        await chat.wait_for_async(1, timeout=60)


def test_wait_for_that_times_out_says_it_waited(stash: FakeStash) -> None:
    with stash.subscribe("chat") as chat, pytest.raises(TimeoutError) as waited:
        chat.wait_for(1, timeout=0.01)
    assert str(waited.value) == "waited 0.01s for 1 messages, got 0: Collector(['chat'], texts=[])"


# ---- mailbox buffer limits (client-output-buffer-limit pubsub) ----------------------------


def test_mailbox_overflows_past_the_hard_limit() -> None:
    box: Mailbox[bytes] = Mailbox(BufferLimit(hard=100, soft=None))
    assert box.put(b"a", 60)
    assert not box.put(b"b", 60)
    assert box.closed and box.close_reason == OVERFLOW
    assert box.get(timeout=0) is None  # dropped, as Redis frees the client


def test_mailbox_drains_below_the_limit() -> None:
    box: Mailbox[int] = Mailbox(BufferLimit(hard=100, soft=None))
    for n in range(10):
        assert box.put(n, 60)
        assert box.get(timeout=0) == n
    assert not box.closed


def test_mailbox_soft_limit_needs_time_on_the_clock() -> None:
    clock = ManualClock(0)
    box: Mailbox[int] = Mailbox(BufferLimit(hard=None, soft=100, seconds=60), clock)
    assert box.put(1, 150)  # over soft: the clock starts
    clock.advance(60)
    assert box.put(2, 1)  # exactly 60 s: still allowed
    clock.advance(ms=1)
    assert not box.put(3, 1)
    assert box.close_reason == OVERFLOW


def test_mailbox_timeout_raises() -> None:
    box: Mailbox[int] = Mailbox()
    with pytest.raises(TimeoutError):
        box.get(timeout=0.01)


def test_slow_subscriber_is_dropped_and_unsubscribed(stash: FakeStash) -> None:
    broker = stash.broker()
    broker.buffer_limit = BufferLimit(hard=1000, soft=None)
    slow = broker.new_subscriber()
    broker.subscribe(slow, [b"chat"])
    for _ in range(20):
        run(stash, "PUBLISH", "chat", "x" * 100)
    assert slow.mailbox.close_reason == OVERFLOW
    assert run(stash, "PUBSUB", "NUMSUB", "chat") == [b"chat", 0]
    assert run(stash, "PUBLISH", "chat", "x") == 0


# ---- MONITOR -------------------------------------------------------------------------------


def test_monitor_line_format_matches_redis(stash: FakeStash, clock: ManualClock) -> None:
    clock.set(1_721_284_005.242090)
    with stash.monitor() as log:
        run(stash, "GET", "k")
    assert log.lines == ['1721284005.242090 [0 0.0.0.0:0] "GET" "k"']


@pytest.mark.parametrize(
    ("arg", "shown"),
    [
        (b"plain", '"plain"'),
        (b'a"b\\c\n', '"a\\"b\\\\c\\n"'),  # as redis-server 7.0 printed it
        (b"\xc3\xa9\x01 \x7f", '"\\xc3\\xa9\\x01 \\x7f"'),
        (b"\r\t\x07\x08", '"\\r\\t\\a\\b"'),
        (b"", '""'),
        (b"~ok!", '"~ok!"'),
    ],
)
def test_monitor_quotes_as_sdscatrepr(arg: bytes, shown: str) -> None:
    assert repr_arg(arg) == shown


def test_monitor_keeps_the_command_case_and_timestamps_follow_the_clock(
    stash: FakeStash, clock: ManualClock
) -> None:
    log = stash.monitor()
    run(stash, "set", "k", "12345")
    clock.advance(ms=1.5)
    run(stash, "Get", "k")
    assert log.lines == [
        '1700000000.000000 [0 0.0.0.0:0] "set" "k" "12345"',
        '1700000000.001500 [0 0.0.0.0:0] "Get" "k"',
    ]
    assert log.names == ["SET", "GET"]
    assert log.commands == [["set", "k", "12345"], ["Get", "k"]]


def test_monitor_skips_commands_refused_before_running(stash: FakeStash) -> None:
    log = stash.monitor()
    error(stash, "GET")
    error(stash, "NOTACMD")
    run(stash, "SET", "k", "v")
    error(stash, "LPUSH", "k", "x")  # runs, then fails: Redis shows it
    assert log.names == ["SET", "LPUSH"]


def test_monitor_shows_lua_calls_after_the_eval(stash: FakeStash) -> None:
    if "eval" not in Registry.default():
        pytest.skip("EVAL is not in the command table yet")
    log = stash.monitor()
    run(stash, "EVAL", "redis.call('set','x','1'); return redis.call('GET','x')", "0")
    sources = [(entry.source, entry.command[0]) for entry in log]
    assert sources == [("0.0.0.0:0", "EVAL"), ("lua", "set"), ("lua", "GET")]
    assert log.lines[1].endswith('[0 lua] "set" "x" "1"')


def test_monitor_shows_multi_and_exec_around_a_transaction(stash: FakeStash) -> None:
    db = stash.database
    log = stash.monitor()
    queued = [(Registry.default().lookup(argv), argv) for argv in ([b"SET", b"a", b"1"], [b"GET", b"a"])]
    db.run_atomic(queued)
    assert log.names == ["MULTI", "SET", "GET", "EXEC"]


def test_closed_monitor_stops_recording_and_unhooks(stash: FakeStash) -> None:
    with stash.monitor() as log:
        run(stash, "PING")
    run(stash, "PING")
    assert log.names == ["PING"]
    assert stash.database.observers == []


def test_monitor_clear_and_wait(stash: FakeStash) -> None:
    log = stash.monitor()
    run(stash, "PING")
    log.clear()
    thread = threading.Thread(target=lambda: stash.execute("SET", "k", "v"))
    thread.start()
    assert log.wait_for(1, timeout=5) == [["SET", "k", "v"]]
    thread.join()


def test_format_line_pads_microseconds() -> None:
    assert format_line(1_000_000_007, "lua", [b"GET", b"k"]) == '1000.000007 [0 lua] "GET" "k"'


def test_several_monitors_see_the_same_commands(stash: FakeStash) -> None:
    one, two = stash.monitor(), stash.monitor()
    run(stash, "SET", "k", "v")
    assert one.lines == two.lines and len(one) == 1


def test_publish_shows_in_monitor(stash: FakeStash) -> None:
    log = stash.monitor()
    run(stash, "PUBLISH", "c", "m")
    assert log.commands == [["PUBLISH", "c", "m"]]
