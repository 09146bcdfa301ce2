"""Pub/sub commands a REST client sends (PUBLISH, SPUBLISH, PUBSUB …), on the run's own
channels; PUBSUB CHANNELS without a pattern and NUMPAT only on a database of the run's own."""

from __future__ import annotations

from fakestash._conformance.draw import lists, sampled
from fakestash._conformance.sequence import Family, Seq

CHANNELS = sampled(["news", "chat", "ch*", ""])


def publish(s: Seq) -> None:
    channel, message = s.channel(CHANNELS(s.d)), s.d.choice(["hi", "", "x y"])
    s.c("SPUBLISH" if s.d.boolean() else "PUBLISH", channel, message)


def channels(s: Seq) -> None:
    sub = s.d.choice(["CHANNELS", "SHARDCHANNELS"])
    s.c("PUBSUB", sub, *([s.pattern("*")] if s.d.boolean() else []))


def numsub(s: Seq) -> None:
    sub = s.d.choice(["NUMSUB", "SHARDNUMSUB"])
    s.c("PUBSUB", sub, *[s.channel(name) for name in lists(CHANNELS, 0, 3)(s.d)])


def numpat(s: Seq) -> None:
    s.c("PUBSUB", "NUMPAT")


FAMILY = Family(
    "pubsub",
    "PUBLISH, SPUBLISH and PUBSUB (no subscriber on either side)",
    (publish, channels, numsub, numpat),
)
