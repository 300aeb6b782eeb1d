// deno-lint-ignore-file no-console
/**
 * What one in-flight call keeps alive (issue 15): the memory section's per-call heap figure, with
 * a V8 heap snapshot taken by the gateway at the idle baseline and with `HELD_CALLS` slow calls
 * held open (`node:v8` `writeHeapSnapshot`, in the bench-only `heap_used` tool). Prints the
 * figure, then the (node type, name) groups that grew the most, in bytes and objects per call.
 *
 * `deno run -A bench/heap_snapshot.ts [top] [--era=2025]` (2025-era clients instead of
 * 2026-07-28 ones); the snapshots stay in /tmp (open in DevTools).
 */

import { HELD_CALLS, measureHeapPerCall } from "./memory.ts";
import { type CallEra, writeMemoryTools } from "./memory_load.ts";
import { fixed } from "./report.ts";
import { startBackend } from "./setups.ts";

const top = Number(Deno.args.find((arg) => /^\d+$/.test(arg)) ?? 40);
// Why an option: the held calls of a 2025-era client are answered as SSE, a different path.
const era: CallEra = Deno.args.includes("--era=2025") ? "2025-11-25" : "2026-07-28";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per "type:name" group. */
function groups(path: string): Map<string, { bytes: number; count: number }> {
  const parsed: Snapshot = JSON.parse(Deno.readTextFileSync(path));
  const fields = parsed.snapshot.meta.node_fields;
  const types = parsed.snapshot.meta.node_types[0];
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < parsed.nodes.length; i += fields.length) {
    const type = types[parsed.nodes[i + typeAt]!]!;
    // Why: string contents would make one group per distinct text; group them by type only.
    const name = type === "string" || type === "concatenated string" || type === "number"
      ? ""
      : parsed.strings[parsed.nodes[i + nameAt]!]!.slice(0, 60);
    const key = `${type}:${name}`;
    const group = out.get(key) ?? { bytes: 0, count: 0 };
    group.bytes += parsed.nodes[i + sizeAt]!;
    group.count += 1;
    out.set(key, group);
  }
  return out;
}

const dir = await Deno.makeTempDir({ prefix: "nexus-bench-heap-" });
const snapshots = { baseline: `${dir}/baseline.heapsnapshot`, held: `${dir}/held.heapsnapshot` };
const backend = await startBackend();
const toolsDir = await writeMemoryTools(backend.url);
try {
  const perCall = await measureHeapPerCall(toolsDir, { snapshots, era });
  console.log(`live heap per in-flight call (${era}): ${fixed(perCall.kbPerCall, 1)} KB`);
  const before = groups(snapshots.baseline);
  const after = groups(snapshots.held);
  const rows = [...after].map(([key, group]) => {
    const base = before.get(key) ?? { bytes: 0, count: 0 };
    return {
      key,
      bytes: (group.bytes - base.bytes) / HELD_CALLS,
      count: (group.count - base.count) / HELD_CALLS,
    };
  }).sort((a, b) => b.bytes - a.bytes);
  const total = rows.reduce((sum, row) => sum + row.bytes, 0);
  console.log(`snapshot delta: ${fixed(total / 1024, 1)} KB per call (self sizes)`);
  for (const row of rows.slice(0, top)) {
    console.log(
      `${fixed(row.bytes, 0).padStart(7)} B ${fixed(row.count, 2).padStart(7)} × ${row.key}`,
    );
  }
  console.log(`snapshots: ${dir}`);
} finally {
  await backend.process.stop();
  await Deno.remove(toolsDir, { recursive: true });
}
