// The overview's Next.js route handler (app/api/products/route.ts): its GET and POST logic
// (rate limit, cache, invalidation) with Response.json in place of NextResponse.json and an
// in-memory table in place of the database, against fakestash serve.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { advance, control, freezeTime, reset } from "./helpers.mjs";

function makeRoute() {
  const products = [{ id: 1, name: "laptop" }];
  const db = {
    queries: 0,
    async query() {
      this.queries += 1;
      return [...products];
    },
    async insert(_table, body) {
      const product = { id: products.length + 1, ...body };
      products.push(product);
      return product;
    },
  };
  const redis = Redis.fromEnv();
  const ratelimit = new Ratelimit({ redis, limiter: Ratelimit.slidingWindow(10, "10 s") });

  async function GET(request) {
    const ip = request.ip || "anonymous";
    const { success, pending } = await ratelimit.limit(ip);
    if (!success) {
      return Response.json({ error: "Too many requests" }, { status: 429 });
    }
    const cacheKey = "products:all";
    let products = await redis.get(cacheKey);
    if (!products) {
      products = await db.query("SELECT * FROM products");
      await redis.set(cacheKey, JSON.stringify(products), { ex: 300 });
    } else {
      // The SDK already parsed the JSON it stored (automatic deserialization), where the
      // overview calls JSON.parse on a string.
      products = typeof products === "string" ? JSON.parse(products) : products;
    }
    await pending;
    return Response.json({ products });
  }

  async function POST(request) {
    const ip = request.ip || "anonymous";
    const { success } = await ratelimit.limit(ip);
    if (!success) {
      return Response.json({ error: "Too many requests" }, { status: 429 });
    }
    const body = await request.json();
    const product = await db.insert("products", body);
    await redis.del("products:all");
    await redis.incr("stats:products:created");
    return Response.json({ product }, { status: 201 });
  }

  return { GET, POST, db, redis };
}

function request(ip, body) {
  const init = body === undefined ? {} : { method: "POST", body: JSON.stringify(body) };
  const req = new Request("https://shop.example/api/products", init);
  req.ip = ip; // NextRequest.ip
  return req;
}

beforeEach(reset);

test("GET caches the product list for 300 s", async (t) => {
  await freezeTime(t);
  const route = makeRoute();
  const first = await route.GET(request("1.1.1.1"));
  assert.equal(first.status, 200);
  assert.deepEqual(await first.json(), { products: [{ id: 1, name: "laptop" }] });
  await route.GET(request("1.1.1.1"));
  assert.equal(route.db.queries, 1); // the second came from the cache
  assert.equal(await route.redis.ttl("products:all"), 300);
  await advance(300_001);
  await route.GET(request("1.1.1.1"));
  assert.equal(route.db.queries, 2); // expired: queried again
});

test("POST invalidates the cache and counts creations", async (t) => {
  await freezeTime(t);
  const route = makeRoute();
  await route.GET(request("2.2.2.2"));
  const created = await route.POST(request("2.2.2.2", { name: "phone" }));
  assert.equal(created.status, 201);
  assert.deepEqual(await created.json(), { product: { id: 2, name: "phone" } });
  assert.equal(await route.redis.exists("products:all"), 0);
  assert.equal(await route.redis.get("stats:products:created"), 1);
  const after = await route.GET(request("2.2.2.2"));
  assert.deepEqual((await after.json()).products.map((p) => p.name), ["laptop", "phone"]);
  assert.equal(route.db.queries, 2);
});

test("the eleventh request in 10 s gets 429, GET and POST alike", async (t) => {
  await freezeTime(t);
  const route = makeRoute();
  for (let i = 0; i < 10; i++) {
    await advance(100);
    assert.equal((await route.GET(request("3.3.3.3"))).status, 200);
  }
  const refused = await route.POST(request("3.3.3.3", { name: "x" }));
  assert.equal(refused.status, 429);
  assert.deepEqual(await refused.json(), { error: "Too many requests" });
  assert.equal((await route.GET(request("4.4.4.4"))).status, 200); // another IP
  await advance(20_000); // two windows later: the old requests no longer count
  assert.equal((await route.POST(request("3.3.3.3", { name: "y" }))).status, 201);
  const published = await control("GET", "/monitor");
  assert.ok(published.commands.some((c) => c[0].toUpperCase().startsWith("EVAL")));
});
