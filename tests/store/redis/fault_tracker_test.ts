import assert from "node:assert/strict";
import { createLogger } from "../../../lib/log.ts";
import { createFaultTracker } from "../../../lib/store/mod.ts";

Deno.test("createFaultTracker() logs one line per outage and one when it ends, counting all", () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ sink: (line) => lines.push(JSON.parse(line)) });
  const faults = createFaultTracker(logger, "cache");
  faults.succeeded();
  for (let i = 0; i < 3; i++) faults.fallback(new Error("ECONNREFUSED"), "cache bypassed");
  assert.equal(faults.degraded(), true);
  faults.succeeded();
  faults.succeeded();
  faults.fallback(new Error("timeout"), "cache bypassed");
  assert.deepEqual(lines.map((l) => [l.level, l.msg, l.component]), [
    ["warn", "Redis unavailable: falling back", "cache"],
    ["info", "Redis available again", "cache"],
    ["warn", "Redis unavailable: falling back", "cache"],
  ]);
  assert.equal(lines[1]?.fallbacks, 3);
  assert.equal(faults.fallbacks(), 4);
});
