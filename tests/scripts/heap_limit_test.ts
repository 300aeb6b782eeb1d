/**
 * scripts/heap_limit.ts: an explicit `--max-old-space-size` wins, then `NEXUS_HEAP_MB`, then half
 * the cgroup memory limit, then the documented default; cgroup files parse v2 `max` and v1
 * "unlimited" as no limit.
 */

import assert from "node:assert/strict";
import {
  chooseHeapLimit,
  DEFAULT_HEAP_MB,
  heapFlags,
  MIN_HEAP_MB,
  parseMemoryMax,
  readMemoryMax,
  semiSpaceMb,
} from "../../scripts/heap_limit.ts";

const MB = 1024 * 1024;

function envOf(values: Record<string, string>): (name: string) => string | undefined {
  return (name) => values[name];
}

Deno.test("the heap limit: explicit flag, then NEXUS_HEAP_MB, then half the cgroup limit, then the default", () => {
  const explicit = { DENO_V8_FLAGS: "--expose-gc,--max-old-space-size=200", NEXUS_HEAP_MB: "300" };
  assert.deepEqual(chooseHeapLimit({ env: envOf(explicit), memoryMaxBytes: 512 * MB }), {
    source: "explicit",
  });
  assert.deepEqual(
    chooseHeapLimit({ env: envOf({}), args: ["--v8-flags=--max_old_space_size=99"] }),
    { source: "explicit" },
  );
  assert.deepEqual(
    chooseHeapLimit({ env: envOf({ NEXUS_HEAP_MB: "300" }), memoryMaxBytes: 512 * MB }),
    { heapMb: 300, source: "NEXUS_HEAP_MB" },
  );
  assert.deepEqual(chooseHeapLimit({ env: envOf({}), memoryMaxBytes: 512 * MB }), {
    heapMb: 256,
    source: "cgroup",
  });
  assert.deepEqual(chooseHeapLimit({ env: envOf({}), memoryMaxBytes: 32 * MB }), {
    heapMb: MIN_HEAP_MB,
    source: "cgroup",
  });
  assert.deepEqual(chooseHeapLimit({ env: envOf({}) }), {
    heapMb: DEFAULT_HEAP_MB,
    source: "default",
  });
  assert.throws(
    () => chooseHeapLimit({ env: envOf({ NEXUS_HEAP_MB: "lots" }) }),
    /^Error: Cannot start: NEXUS_HEAP_MB must be a whole number/,
  );
  assert.deepEqual(heapFlags({ heapMb: 256, source: "cgroup" }), [
    "--v8-flags=--max-old-space-size=256,--max-semi-space-size=4",
  ]);
  assert.deepEqual(heapFlags({ source: "explicit" }), []);
});

Deno.test("semiSpaceMb() is 1/64 of the old space, between 1 and 16 MB", () => {
  assert.equal(semiSpaceMb(32), 1);
  assert.equal(semiSpaceMb(256), 4);
  assert.equal(semiSpaceMb(512), 8);
  assert.equal(semiSpaceMb(1024), 16);
  assert.equal(semiSpaceMb(8192), 16);
});

Deno.test("cgroup memory files: a byte count is a limit; v2 max and v1 unlimited are none", async () => {
  assert.equal(parseMemoryMax("536870912\n"), 512 * MB);
  assert.equal(parseMemoryMax("max\n"), undefined);
  assert.equal(parseMemoryMax("9223372036854771712\n"), undefined);
  assert.equal(parseMemoryMax(""), undefined);
  const dir = await Deno.makeTempDir({ prefix: "nexus-heap-" });
  try {
    await Deno.writeTextFile(`${dir}/memory.max`, "268435456\n");
    assert.equal(await readMemoryMax([`${dir}/absent`, `${dir}/memory.max`]), 256 * MB);
    assert.equal(await readMemoryMax([`${dir}/absent`]), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
