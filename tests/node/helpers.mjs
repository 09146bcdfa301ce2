// Shared by the node tests: the server `fakestash serve` started by tests/test_node.py,
// its control surface, and moving node's clock and the server's together.
import { mock } from "node:test";
import { Redis } from "@upstash/redis";

export const REST_URL = process.env.UPSTASH_REDIS_REST_URL;
export const TOKEN = process.env.UPSTASH_REDIS_REST_TOKEN;
const CONTROL_URL = process.env.FAKESTASH_CONTROL_URL;
const CONTROL_TOKEN = process.env.FAKESTASH_CONTROL_TOKEN;

if (!REST_URL || !TOKEN || !CONTROL_URL || !CONTROL_TOKEN) {
  throw new Error("run these through tests/test_node.py (it starts fakestash serve)");
}

/** A call to the control surface: `await control("POST", "/reset")`. */
export async function control(method, path, body) {
  const response = await fetch(`${CONTROL_URL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${CONTROL_TOKEN}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) {
    throw new Error(`control ${method} ${path}: ${response.status} ${data.error}`);
  }
  return data;
}

/** A fresh server state: empty databases, meters and logs, seed 0. */
export async function reset() {
  await control("POST", "/reset", { seed: 0 });
}

// 2023-11-14 22:13:20 UTC, where a manual clock starts.
export const START_MS = 1_700_000_000_000;

/** Node's Date and the server's clock, both manual, both at `START_MS`. */
export async function freezeTime(t) {
  mock.timers.enable({ apis: ["Date"], now: START_MS });
  t.after(() => mock.timers.reset());
  await control("PUT", "/clock", { kind: "manual", now_ms: START_MS });
}

/** Move node's Date and the server's clock forward together. */
export async function advance(ms) {
  mock.timers.tick(ms);
  await control("POST", "/clock/advance", { ms });
  const { now_ms } = await control("GET", "/clock");
  if (now_ms !== Date.now()) {
    throw new Error(`clocks apart: server ${now_ms}, node ${Date.now()}`);
  }
}

export function redis() {
  return new Redis({ url: REST_URL, token: TOKEN });
}
