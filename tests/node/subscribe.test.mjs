// Pub/sub over server-sent events: @upstash/redis's subscribe against fakestash serve.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { Redis } from "@upstash/redis";
import { control, reset } from "./helpers.mjs";

beforeEach(reset);

function waitFor(predicate, what) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const poll = async () => {
      const value = await predicate();
      if (value) return resolve(value);
      if (Date.now() > deadline) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}


test("subscribe receives published messages, unsubscribe ends the stream", async (t) => {
  const redis = Redis.fromEnv();
  const subscriber = redis.subscribe(["chat"]);
  t.after(() => subscriber.unsubscribe());
  const received = [];
  subscriber.on("message", ({ channel, message }) => received.push([channel, message]));
  const numsub = async () => (await redis.exec(["PUBSUB", "NUMSUB", "chat"]))[1];
  await waitFor(async () => (await numsub()) === 1, "the subscription");

  assert.equal(await redis.publish("chat", "hello"), 1);
  assert.equal(await redis.publish("chat", { text: "how are you?" }), 1);
  await waitFor(() => received.length === 2, "two messages");
  assert.deepEqual(received, [
    ["chat", "hello"],
    ["chat", { text: "how are you?" }],
  ]);

  await subscriber.unsubscribe();
  await waitFor(async () => (await numsub()) === 0, "the unsubscription");
  assert.equal(await redis.publish("chat", "after"), 0);

  const { messages } = await control("GET", "/published?channel=chat");
  assert.deepEqual(
    messages.map((m) => [m.message, m.receivers]),
    [["hello", 1], ['{"text":"how are you?"}', 1], ["after", 0]],
  );
});

test("psubscribe receives messages on every matching channel", async (t) => {
  const redis = Redis.fromEnv();
  const subscriber = redis.psubscribe(["news.*"]);
  t.after(() => subscriber.unsubscribe());
  const received = [];
  subscriber.on("pmessage", ({ pattern, channel, message }) =>
    received.push([pattern, channel, message]),
  );
  await waitFor(async () => (await redis.exec(["PUBSUB", "NUMPAT"])) === 1, "the pattern");
  // The SDK parses a pattern message as JSON (JSON.parse, where a channel message may be
  // plain text): publish JSON values, as the SDK does with objects.
  await redis.publish("news.sport", { event: "goal" });
  await redis.publish("weather", { event: "rain" });
  await redis.publish("news.tech", { event: "release" });
  await waitFor(() => received.length === 2, "two messages");
  assert.deepEqual(received, [
    ["news.*", "news.sport", { event: "goal" }],
    ["news.*", "news.tech", { event: "release" }],
  ]);
});
