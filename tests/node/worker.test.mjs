// The overview's Cloudflare Worker (rate limit counter, expire, cache), its handler called
// with a Request as the Workers runtime would, against fakestash serve.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { Redis } from "@upstash/redis/cloudflare";
import { REST_URL, TOKEN, advance, freezeTime, reset } from "./helpers.mjs";

// worker.ts, as in the overview.
const worker = {
  async fetch(request, env) {
    const redis = new Redis({
      url: env.UPSTASH_REDIS_REST_URL,
      token: env.UPSTASH_REDIS_REST_TOKEN,
    });
    // Rate limiting check
    const ip = request.headers.get("CF-Connecting-IP") || "unknown";
    const count = await redis.incr(`rate:${ip}`);
    if (count === 1) {
      await redis.expire(`rate:${ip}`, 60); // 60 second window
    }
    if (count > 10) {
      return new Response("Rate limit exceeded", { status: 429 });
    }
    // Cache response
    const cacheKey = `cache:${new URL(request.url).pathname}`;
    let cached = await redis.get(cacheKey);
    if (!cached) {
      cached = { data: "expensive computation result", timestamp: Date.now() };
      await redis.set(cacheKey, JSON.stringify(cached), { ex: 300 });
    }
    return new Response(JSON.stringify(cached), {
      headers: { "Content-Type": "application/json" },
    });
  },
};

const env = { UPSTASH_REDIS_REST_URL: REST_URL, UPSTASH_REDIS_REST_TOKEN: TOKEN };

function call(ip, path = "/report") {
  const request = new Request(`https://worker.example${path}`, {
    headers: { "CF-Connecting-IP": ip },
  });
  return worker.fetch(request, env);
}

beforeEach(reset);

test("ten requests a minute per IP, the eleventh refused, a new window after 60 s", async (t) => {
  await freezeTime(t);
  for (let i = 0; i < 10; i++) {
    assert.equal((await call("1.2.3.4")).status, 200);
  }
  const refused = await call("1.2.3.4");
  assert.equal(refused.status, 429);
  assert.equal(await refused.text(), "Rate limit exceeded");
  assert.equal((await call("5.6.7.8")).status, 200); // another IP, its own counter

  const redis = new Redis({ url: REST_URL, token: TOKEN });
  assert.equal(await redis.ttl("rate:1.2.3.4"), 60);
  await advance(59_999);
  assert.equal((await call("1.2.3.4")).status, 429);
  await advance(1);  // the counter's 60 s are up (gone 1 ms after its deadline)
  await advance(1);
  assert.equal((await call("1.2.3.4")).status, 200);
  assert.equal(await redis.get("rate:1.2.3.4"), 1);
});

test("the response is cached for 300 s", async (t) => {
  await freezeTime(t);
  const first = await (await call("1.1.1.1", "/a")).json();
  assert.deepEqual(first, { data: "expensive computation result", timestamp: Date.now() });
  await advance(299_000);
  assert.deepEqual(await (await call("2.2.2.2", "/a")).json(), first); // from the cache
  await advance(1_001);
  const fresh = await (await call("3.3.3.3", "/a")).json();
  assert.equal(fresh.timestamp, Date.now()); // recomputed once the key expired
  assert.notEqual(fresh.timestamp, first.timestamp);
});
