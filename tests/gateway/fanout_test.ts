/**
 * The change fan-out on the shared test Redis (own prefix): every event kind one instance
 * publishes reaches the other instance intact, never the publisher itself; another prefix hears
 * nothing; without Redis publishing is a no-op.
 */

import assert from "node:assert/strict";
import { type FanoutEvent, openFanout } from "../../lib/gateway/fanout.ts";
import { createLogger, silentLogger } from "../../lib/log.ts";
import { waitUntil } from "../_support/gateway.ts";
import { openTestRedis, redisTest, testPrefix, untilReady } from "../_support/redis.ts";

const EVENTS: FanoutEvent[] = [
  { kind: "tools" },
  { kind: "lists", prompts: true, resources: false },
  { kind: "lists", prompts: false, resources: true },
  { kind: "updated", uri: "file:///notes/today.md" },
  { kind: "keys" },
  { kind: "pins", upstream: "github" },
];

redisTest("fan-out events reach the other instances, not the publisher", async () => {
  const prefix = testPrefix("fanout-unit");
  await using redisA = openTestRedis(prefix);
  await using redisB = openTestRedis(prefix);
  await using redisOther = openTestRedis(prefix);
  await Promise.all([untilReady(redisA), untilReady(redisB), untilReady(redisOther)]);
  const heard: Record<string, FanoutEvent[]> = { a: [], b: [], other: [] };
  const logs: string[] = [];
  const logger = createLogger({ sink: (line) => logs.push(line) });
  const a = openFanout(redisA, { prefix, logger, onEvent: (event) => heard.a!.push(event) });
  const b = openFanout(redisB, { prefix, logger, onEvent: (event) => heard.b!.push(event) });
  const other = openFanout(redisOther, {
    prefix: `${prefix}-other`,
    logger,
    onEvent: (event) => heard.other!.push(event),
  });
  try {
    const listening = () => logs.filter((line) => line.includes("Listening for changes")).length;
    assert.ok(await waitUntil(() => listening() === 3, 10_000), logs.join("\n"));
    for (const event of EVENTS) a.publish(event);
    assert.ok(await waitUntil(() => heard.b!.length === EVENTS.length, 10_000), "B heard too few");
    assert.deepEqual(heard.b, EVENTS);
    // Malformed messages (not JSON, `pins` without its upstream) are ignored, and B still hears
    // what follows.
    await redisA.command(["PUBLISH", `${prefix}:fanout:changes`, "not json"]);
    await redisA.command(["PUBLISH", `${prefix}:fanout:changes`, '{"from":"x","kind":"pins"}']);
    b.publish({ kind: "tools" });
    assert.ok(await waitUntil(() => heard.a!.length === 1, 10_000), "A did not hear B");
    assert.deepEqual(heard.a, [{ kind: "tools" }]);
    assert.equal(heard.b!.length, EVENTS.length);
    assert.deepEqual(heard.other, []);
  } finally {
    a.close();
    b.close();
    other.close();
  }
});

Deno.test("without Redis the fan-out publishes nothing and raises nothing", () => {
  const fanout = openFanout(undefined, {
    prefix: "unused",
    logger: silentLogger,
    onEvent: () => assert.fail("no event expected"),
  });
  fanout.publish({ kind: "tools" });
  fanout.close();
});
