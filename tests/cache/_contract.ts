/**
 * Single-flight cache behaviour every store must give, run against the in-process store
 * (response_cache_test.ts) and against Redis with several instances (response_cache_int_test.ts).
 */

import assert from "node:assert/strict";
import { createResponseCache, type ResponseCache } from "../../lib/cache/mod.ts";
import { GatewayError } from "../../lib/errors.ts";
import { silentLogger } from "../../lib/log.ts";
import type { ToolResult } from "../../lib/registry/mod.ts";
import type { CacheStore } from "../../lib/store/mod.ts";

/** Stores that share state, one per simulated gateway instance. */
export type StoreFactory = (
  instances: number,
) => Promise<{ stores: CacheStore[] } & AsyncDisposable>;

type Register = (name: string, fn: () => Promise<void>) => void;

const text = (t: string): ToolResult => ({ content: [{ type: "text", text: t }] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const request = (key: string, timeoutMs = 5000, signal = new AbortController().signal) => ({
  key,
  ttlMs: 30_000,
  timeoutMs,
  signal,
});

function caches(
  stores: CacheStore[],
  options: { lockTtlMs?: number; errorTtlMs?: number; maxValueBytes?: number } = {},
): ResponseCache[] {
  return stores.map((store) => createResponseCache({ store, logger: silentLogger, ...options }));
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error));
    return error;
  }
  throw new Error("expected a GatewayError");
}

/** Registers the contract tests with `register`, each on fresh stores from `open`. */
export function cacheContract(label: string, register: Register, open: StoreFactory): void {
  register(`[${label}] serve() runs 100 concurrent identical calls once`, async () => {
    await using env = await open(3);
    const instances = caches(env.stores);
    let loads = 0;
    const load = async () => (loads++, await sleep(50), text("fresh"));
    const served = await Promise.all(
      Array.from({ length: 100 }, (_, i) => instances[i % 3]!.serve(request("k"), load)),
    );
    assert.equal(loads, 1);
    assert.ok(served.every((s) => s.result.content[0]?.type === "text"));
    const sources = served.map((s) => s.source);
    assert.equal(sources.filter((s) => s === "leader").length, 1);
    assert.equal(sources.filter((s) => s === "coalesced" || s === "hit").length, 99);
    const later = await instances[1]!.serve(request("k"), load);
    assert.equal(later.source, "hit");
    assert.equal(loads, 1);
  });

  register(`[${label}] serve() shares an error with waiting calls but caches none`, async () => {
    await using env = await open(2);
    const [a, b] = caches(env.stores);
    let loads = 0;
    const failing = async (): Promise<ToolResult> => {
      loads++;
      await sleep(50);
      throw new GatewayError("UPSTREAM_ERROR", "Upstream returned HTTP 500", {
        data: { status: 500 },
      });
    };
    const errors = await Promise.all(
      Array.from(
        { length: 10 },
        (_, i) => rejection((i % 2 ? a! : b!).serve(request("e"), failing)),
      ),
    );
    assert.equal(loads, 1);
    assert.ok(errors.every((e) => e.code === "UPSTREAM_ERROR" && e.data?.status === 500));
    await a!.serve(request("e"), () => (loads++, Promise.resolve(text("recovered"))));
    assert.equal(loads, 2, "the error was not cached");
  });

  register(`[${label}] serve() caches a definitive 404 only with an error ttl`, async () => {
    await using env = await open(1);
    const [cache] = caches(env.stores, { errorTtlMs: 10_000 });
    let loads = 0;
    const notFound = () => {
      loads++;
      return Promise.reject(
        new GatewayError("UPSTREAM_ERROR", "404", {
          data: { status: 404 },
          upstream: { status: 404, headers: new Headers() },
        }),
      );
    };
    await rejection(cache!.serve(request("n"), notFound));
    const again = await rejection(cache!.serve(request("n"), notFound));
    assert.equal(again.data?.status, 404);
    assert.equal(loads, 1);
  });

  register(
    `[${label}] serve() neither stores nor shares an outcome over the size limit`,
    async () => {
      await using env = await open(2);
      const instances = caches(env.stores, { maxValueBytes: 1024 });
      let loads = 0;
      const big = async () => (loads++, await sleep(50), text("x".repeat(4000)));
      const served = await Promise.all(
        Array.from({ length: 4 }, (_, i) => instances[i % 2]!.serve(request("big"), big)),
      );
      assert.equal(loads, 4, "waiters ran the call themselves");
      assert.ok(served.every((s) => s.result.content[0]?.type === "text"));
      await instances[0]!.serve(request("big"), big);
      assert.equal(loads, 5, "nothing was stored");
      assert.equal(instances[0]!.counters().tooLarge + instances[1]!.counters().tooLarge, 2);
    },
  );

  register(`[${label}] serve() stops waiting for a slow flight at the tool's timeout`, async () => {
    await using env = await open(2);
    const [a, b] = caches(env.stores);
    const slow = a!.serve(request("slow"), async () => (await sleep(800), text("late")));
    await sleep(20);
    const started = Date.now();
    const error = await rejection(b!.serve(request("slow", 200), () => Promise.resolve(text("x"))));
    const waited = Date.now() - started;
    assert.equal(error.code, "UPSTREAM_TIMEOUT");
    assert.ok(waited >= 190 && waited < 600, `waited ${waited} ms`);
    assert.equal((await slow).source, "leader");
  });

  register(`[${label}] a waiter takes over once a dead leader's lock expires`, async () => {
    await using env = await open(2);
    const [survivor] = caches([env.stores[1]!], { lockTtlMs: 150 });
    // The leader took the lock, then its instance died: no heartbeat, no settle.
    assert.deepEqual(await env.stores[0]!.lookup("dead", "dead-leader", 150), { kind: "lead" });
    let loads = 0;
    const started = Date.now();
    const served = await survivor!.serve(
      request("dead"),
      () => (loads++, Promise.resolve(text("taken over"))),
    );
    assert.equal(served.source, "leader");
    assert.equal(loads, 1);
    assert.ok(Date.now() - started >= 100, "waited for the lock to expire");
    assert.equal(survivor!.counters().takeovers, 1);
  });

  register(`[${label}] a leader alive past its lock ttl keeps the flight (heartbeat)`, async () => {
    await using env = await open(2);
    const [a, b] = caches(env.stores, { lockTtlMs: 300 });
    let loads = 0;
    const load = async () => (loads++, await sleep(1000), text("slow but alive"));
    const first = a!.serve(request("alive"), load);
    await sleep(20);
    const second = await b!.serve(request("alive"), load);
    assert.equal(second.source, "coalesced");
    assert.equal((await first).source, "leader");
    assert.equal(loads, 1);
  });

  register(`[${label}] a cancelled leader's waiters run the call instead`, async () => {
    await using env = await open(2);
    const [a, b] = caches(env.stores);
    let loads = 0;
    const leader = rejection(a!.serve(request("c"), async () => {
      loads++;
      await sleep(50);
      throw new GatewayError("CANCELLED", "Call cancelled by the client");
    }));
    await sleep(10);
    const waiter = await b!.serve(request("c"), () => (loads++, Promise.resolve(text("mine"))));
    assert.equal((await leader).code, "CANCELLED");
    assert.equal(waiter.source, "leader");
    assert.equal(loads, 2);
  });

  register(`[${label}] a waiting call ends at once when its client cancels`, async () => {
    await using env = await open(1);
    const [cache] = caches(env.stores);
    const leader = cache!.serve(request("w"), async () => (await sleep(300), text("done")));
    await sleep(10);
    const abort = new AbortController();
    const waiting = rejection(
      cache!.serve(request("w", 5000, abort.signal), () => Promise.resolve(text("x"))),
    );
    await sleep(20);
    const started = Date.now();
    abort.abort();
    assert.equal((await waiting).code, "CANCELLED");
    assert.ok(Date.now() - started < 250);
    await leader;
  });
}
