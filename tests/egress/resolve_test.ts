/**
 * `cachedResolver()`: a name's answer from a real (test) DNS server is reused within the TTL and
 * asked again after it; empty answers are not kept; the cache is bounded. Through the egress
 * fetch, a name that rebinds from an allowed address to a refused one is judged on its new
 * resolution and refused, and within the TTL the connection still goes to the judged address.
 */

import assert from "node:assert/strict";
import {
  cachedResolver,
  createEgressFetch,
  createEgressPolicy,
  createResolver,
  type Resolver,
} from "../../lib/egress/mod.ts";
import { isGatewayError } from "../../lib/errors.ts";
import { startDnsServer } from "../_support/dns_server.ts";

function counting(resolve: Resolver): { resolve: Resolver; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    resolve: (name) => {
      asked.push(name);
      return resolve(name);
    },
  };
}

Deno.test("answers are reused within the TTL, asked again after it; empty answers are not kept", async () => {
  const records: Record<string, string> = { "a.test": "127.0.0.1" };
  const dns = await startDnsServer(records);
  try {
    let clock = 0;
    const source = counting(createResolver(dns.address));
    const resolve = cachedResolver(source.resolve, { ttlMs: 1_000, now: () => clock });
    const [first, concurrent] = await Promise.all([resolve("a.test"), resolve("A.test")]);
    assert.deepEqual(first, concurrent);
    assert.equal(source.asked.length, 1, "concurrent lookups of one name share one");
    clock += 999;
    await resolve("a.test");
    assert.equal(source.asked.length, 1, "reused within the TTL");
    records["a.test"] = "127.0.0.2";
    clock += 1;
    const renewed = await resolve("a.test");
    assert.equal(source.asked.length, 2, "asked again after the TTL");
    assert.notDeepEqual(renewed, first);
    assert.deepEqual(await resolve("missing.test"), []);
    assert.deepEqual(await resolve("missing.test"), []);
    assert.equal(source.asked.filter((name) => name === "missing.test").length, 2);
  } finally {
    await dns.close();
  }
});

Deno.test("the cache keeps at most maxNames names, dropping the oldest", async () => {
  const dns = await startDnsServer({ "a.test": "127.0.0.1", "b.test": "127.0.0.1" });
  try {
    const source = counting(createResolver(dns.address));
    const resolve = cachedResolver(source.resolve, { maxNames: 1 });
    await resolve("a.test");
    await resolve("b.test");
    await resolve("a.test");
    assert.deepEqual(source.asked, ["a.test", "b.test", "a.test"]);
  } finally {
    await dns.close();
  }
});

Deno.test("a name that rebinds to a refused address is refused from its next resolution on", async () => {
  const records: Record<string, string> = { "rebind.test": "127.0.0.1" };
  const dns = await startDnsServer(records);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    return new Response("internal");
  });
  let clock = 0;
  const guard = createEgressFetch({
    policy: createEgressPolicy({ allow: [], private: "allow" }),
    resolve: cachedResolver(createResolver(dns.address), { ttlMs: 1_000, now: () => clock }),
  });
  const url = `http://rebind.test:${server.addr.port}/`;
  try {
    assert.equal(await (await guard.fetch(url)).text(), "internal");
    records["rebind.test"] = "169.254.169.254";
    clock += 500;
    // Within the TTL the judged address is reused: the connection goes to it, not to the new one.
    assert.equal(await (await guard.fetch(url)).text(), "internal");
    clock += 500;
    await assert.rejects(guard.fetch(url), (error) => {
      assert.ok(isGatewayError(error), `expected a GatewayError, got ${error}`);
      assert.equal(error.code, "EGRESS_DENIED");
      assert.match(error.message, /rebind\.test \(169\.254\.169\.254\)/);
      return true;
    });
  } finally {
    guard.close();
    await server.shutdown();
    await dns.close();
  }
});
