/**
 * `deno task start` sets the gateway's V8 heap limit (scripts/heap_limit.ts): `NEXUS_HEAP_MB`
 * when set, the documented default without it (this machine has no cgroup memory limit, checked
 * below), and it leaves an explicit `DENO_V8_FLAGS=--max-old-space-size=…` alone. Seen through
 * the admission bound, which follows the heap limit the gateway runs with.
 */

import assert from "node:assert/strict";
import { createGatewayToolsDir, startGateway } from "../_support/gateway.ts";
import { defaultMaxInflight } from "../../lib/http/mod.ts";
import { DEFAULT_HEAP_MB, readMemoryMax, v8HeapFlags } from "../../scripts/heap_limit.ts";

/**
 * The `heap_size_limit` a Deno process gets with the V8 flags `deno task start` passes for
 * `heapMb` (old space and young generation), or with `--max-old-space-size=heapMb` alone when the
 * limit was explicit (start passes nothing then).
 */
async function heapLimitFor(heapMb: number, explicit: boolean): Promise<number> {
  const flags = explicit ? `--max-old-space-size=${heapMb}` : v8HeapFlags(heapMb);
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `--v8-flags=${flags}`,
      'import v8 from "node:v8"; console.log(v8.getHeapStatistics().heap_size_limit)',
    ],
    stdout: "piped",
  }).output();
  assert.ok(output.success);
  return Number(new TextDecoder().decode(output.stdout).trim());
}

Deno.test("deno task start passes the chosen heap limit to the gateway", async (t) => {
  assert.equal(await readMemoryMax(), undefined, "this test expects no cgroup memory limit");
  await using tools = await createGatewayToolsDir();
  const cases: { name: string; env: Record<string, string>; heapMb: number }[] = [
    { name: "NEXUS_HEAP_MB=300", env: { NEXUS_HEAP_MB: "300" }, heapMb: 300 },
    { name: "the default", env: {}, heapMb: DEFAULT_HEAP_MB },
    {
      name: "an explicit DENO_V8_FLAGS beats NEXUS_HEAP_MB",
      env: { NEXUS_HEAP_MB: "300", DENO_V8_FLAGS: "--max-old-space-size=200" },
      heapMb: 200,
    },
  ];
  for (const { name, env, heapMb } of cases) {
    await t.step(name, async () => {
      await using gateway = await startGateway({
        toolsDir: tools.dir,
        env: { NEXUS_ALLOW_ANONYMOUS: "true", ...env },
        viaStartTask: true,
      });
      const body = await (await fetch(`${gateway.url}/readyz`)).json();
      const explicit = env.DENO_V8_FLAGS !== undefined;
      assert.equal(body.load.maxInflight, defaultMaxInflight(await heapLimitFor(heapMb, explicit)));
    });
  }
});
