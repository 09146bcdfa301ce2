"""Differential: pub/sub commands a REST client can send (no subscriber on either side)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conformance.harness import Differential
from tests.conformance.machine import DifferentialMachine, require, run_machine

CHANNELS = st.sampled_from(["news", "chat", "ch*", ""])


class PubsubMachine(DifferentialMachine):
    @rule(channel=CHANNELS, message=st.sampled_from(["hi", "", "x y"]), shard=st.booleans())
    def publish(self, channel: str, message: str, shard: bool) -> None:
        self.c("SPUBLISH" if shard else "PUBLISH", channel, message)

    @rule(sub=st.sampled_from(["CHANNELS", "SHARDCHANNELS"]), pattern=st.sampled_from([[], ["*"]]))
    def channels(self, sub: str, pattern: list[str]) -> None:
        self.c("PUBSUB", sub, *pattern)

    @rule(sub=st.sampled_from(["NUMSUB", "SHARDNUMSUB"]), channels=st.lists(CHANNELS, max_size=3))
    def numsub(self, sub: str, channels: list[str]) -> None:
        self.c("PUBSUB", sub, *channels)

    @rule()
    def numpat(self) -> None:
        self.c("PUBSUB", "NUMPAT")


@require("publish", "pubsub")
def test_pubsub_matches_redis(differential: Differential) -> None:
    run_machine(PubsubMachine, differential)
