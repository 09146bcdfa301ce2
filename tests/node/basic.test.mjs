// The overview's "TypeScript SDK - Basic Usage" against fakestash serve.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { Redis } from "@upstash/redis";
import { REST_URL, TOKEN, control, reset } from "./helpers.mjs";

beforeEach(reset);

test("basic usage: strings, sorted sets, lists, hashes, sets", async () => {
  const redis = new Redis({ url: REST_URL, token: TOKEN });
  assert.equal(await redis.set("key", "value"), "OK");
  assert.equal(await redis.set("session:abc", "active", { ex: 3600 }), "OK");
  assert.equal(await redis.get("key"), "value");
  assert.equal(await redis.ttl("session:abc"), 3600);

  await redis.zadd("scores", { score: 100, member: "team1" });
  await redis.zadd("scores", { score: 85, member: "team2" });
  assert.deepEqual(await redis.zrange("scores", 0, 100), ["team2", "team1"]);

  await redis.lpush("queue", "job1");
  await redis.lpush("queue", "job2");
  assert.deepEqual(await redis.lrange("queue", 0, 10), ["job2", "job1"]);

  assert.equal(await redis.hset("user:1001", { name: "alice", age: "30", city: "NYC" }), 3);
  assert.equal(await redis.hget("user:1001", "name"), "alice");

  assert.equal(await redis.sadd("tags", "javascript", "typescript", "node"), 3);
  const tag = await redis.spop("tags", 1);
  assert.equal(tag.length, 1);
  assert.ok(["javascript", "typescript", "node"].includes(tag[0]));
  assert.equal(await redis.scard("tags"), 2);
});

test("fromEnv reads UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN", async () => {
  const redis = Redis.fromEnv();
  await redis.set("greeting", { hello: "world" });
  assert.deepEqual(await redis.get("greeting"), { hello: "world" });
});

test("the same seed draws the same SPOP", async () => {
  const redis = Redis.fromEnv();
  const draws = [];
  for (let i = 0; i < 2; i++) {
    await control("POST", "/reset", { seed: 7 });
    await redis.sadd("tags", "a", "b", "c", "d", "e");
    draws.push(await redis.spop("tags", 2));
  }
  assert.deepEqual(draws[0], draws[1]);
});

test("pipelines and transactions", async () => {
  const redis = Redis.fromEnv();
  const pipe = redis.pipeline();
  pipe.set("key1", "value1").incr("counter").get("counter").zadd("s", { score: 1, member: "m" });
  assert.deepEqual(await pipe.exec(), ["OK", 1, 1, 1]);
  const tx = redis.multi();
  tx.set("balance:alice", 1000).decrby("balance:alice", 100).incrby("balance:bob", 100);
  assert.deepEqual(await tx.exec(), ["OK", 900, 100]);
});

test("the meter counts what the client sent", async () => {
  const redis = Redis.fromEnv();
  await redis.set("a", "1");
  await redis.get("a");
  const meter = await control("GET", "/meter");
  assert.equal(meter.commands, 2);
  assert.deepEqual(meter.seen, [["set", "a", "1"], ["get", "a"]]);
});
