// @upstash/ratelimit's sliding window, fixed window and token bucket (the overview's
// configurations) driven across window boundaries: node's Date (which the limiter reads)
// and the server's clock (which expires its keys) move together.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { START_MS, advance, freezeTime, reset } from "./helpers.mjs";

beforeEach(reset);

async function remaining(limiter, id, count) {
  const seen = [];
  for (let i = 0; i < count; i++) {
    const { success, remaining } = await limiter.limit(id);
    seen.push(success ? remaining : -1);
  }
  return seen;
}

test("fixed window: 5 requests per 30 s window, a fresh budget at the boundary", async (t) => {
  await freezeTime(t);
  const limiter = new Ratelimit({
    redis: Redis.fromEnv(),
    limiter: Ratelimit.fixedWindow(5, "30 s"),
  });
  // START_MS is 20 s into a 30 s window (1_700_000_000_000 % 30_000 === 20_000).
  assert.equal(START_MS % 30_000, 20_000);
  assert.deepEqual(await remaining(limiter, "user", 6), [4, 3, 2, 1, 0, -1]);
  const { reset: resetAt } = await limiter.limit("user");
  assert.equal(resetAt, START_MS + 10_000); // the window's end
  await advance(9_999);
  assert.deepEqual(await remaining(limiter, "user", 1), [-1]);
  // The next window. The limiter's in-memory cache of refused ids (on by default) holds
  // them while its reset time is not yet in the past, so 1 ms past the boundary.
  await advance(2);
  assert.deepEqual(await remaining(limiter, "user", 6), [4, 3, 2, 1, 0, -1]);
});

test("sliding window: 10 per 10 s, the previous window weighs as it slides out", async (t) => {
  await freezeTime(t);
  const limiter = new Ratelimit({
    redis: Redis.fromEnv(),
    limiter: Ratelimit.slidingWindow(10, "10 s"),
    analytics: true,
    prefix: "@upstash/ratelimit",
  });
  // START_MS is on a 10 s boundary: all 10 requests land at the start of a window.
  assert.equal(START_MS % 10_000, 0);
  assert.deepEqual(await remaining(limiter, "user", 11), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, -1]);
  await advance(10_000); // the next window; the previous one still counts 10 x 100%
  assert.deepEqual(await remaining(limiter, "user", 1), [-1]);
  await advance(5_000); // half-way: the previous window counts 10 x 50% = 5
  assert.deepEqual(await remaining(limiter, "user", 6), [4, 3, 2, 1, 0, -1]);
  await advance(15_000); // two windows on: nothing counts
  assert.deepEqual(await remaining(limiter, "user", 1), [9]);
});

test("token bucket: 10 tokens refilled per minute, at most 20", async (t) => {
  await freezeTime(t);
  const limiter = new Ratelimit({
    redis: Redis.fromEnv(),
    limiter: Ratelimit.tokenBucket(10, "1 m", 20),
  });
  const first = await remaining(limiter, "user", 21);
  assert.deepEqual(first.slice(0, 3), [19, 18, 17]);
  assert.deepEqual(first.slice(-2), [0, -1]);
  await advance(59_999);
  assert.deepEqual(await remaining(limiter, "user", 1), [-1]);
  await advance(2); // one refill: 10 tokens (1 ms past it: the limiter's cache, as above)
  assert.deepEqual(await remaining(limiter, "user", 11).then((r) => r.slice(-2)), [0, -1]);
  await advance(10 * 60_000); // ten refills, capped at 20
  const capped = await remaining(limiter, "user", 21);
  assert.deepEqual([capped[0], capped[19], capped[20]], [19, 0, -1]);
});

test("custom rates consume several tokens", async (t) => {
  await freezeTime(t);
  const limiter = new Ratelimit({
    redis: Redis.fromEnv(),
    limiter: Ratelimit.tokenBucket(1000, "1 m", 2000),
  });
  const { success, remaining: left } = await limiter.limit("uploader", { rate: 1500 });
  assert.equal(success, true);
  assert.equal(left, 500);
  assert.equal((await limiter.limit("uploader", { rate: 600 })).success, false);
});
