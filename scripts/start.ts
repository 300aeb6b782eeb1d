/**
 * `deno task start`: computes the gateway's Deno permissions from the config (the same set
 * `nexus permissions` prints) and runs `main.ts serve` under exactly those, never `-A`.
 * The V8 heap limit follows the memory the process may use (scripts/heap_limit.ts: an explicit
 * `--max-old-space-size` in `DENO_V8_FLAGS`, else `NEXUS_HEAP_MB`, else half the cgroup limit,
 * else 1024 MB). Signals are forwarded, so a SIGTERM drains the gateway; the exit code is the
 * gateway's.
 *
 * Usage: deno run --allow-read --allow-env --allow-run=deno scripts/start.ts [--config FILE]
 */

import { fileURLToPath } from "node:url";
import { permissionFlags, readToolFileUpstreams, sourceReads } from "../lib/cli/mod.ts";
import { loadConfig, readProcessEnv } from "../lib/config/mod.ts";
import { chooseHeapLimit, heapFlags, readMemoryMax } from "./heap_limit.ts";

const args = [...Deno.args];
const at = args.indexOf("--config");
const explicit = at === -1 ? readProcessEnv("NEXUS_CONFIG") : args[at + 1];
const configPath = explicit ?? "nexus.yaml";
let configText: string | undefined;
try {
  configText = await Deno.readTextFile(configPath);
} catch (error) {
  if (explicit !== undefined || !(error instanceof Deno.errors.NotFound)) throw error;
}
const config = loadConfig(readProcessEnv, configText, configPath);
const flags = permissionFlags(config, {
  configPath,
  ...(configText === undefined ? {} : { configText }),
  extraReads: sourceReads(),
  toolUpstreams: await readToolFileUpstreams(config.toolsDir),
});
const heap = chooseHeapLimit({ env: readProcessEnv, memoryMaxBytes: await readMemoryMax() });
const main = fileURLToPath(new URL("../main.ts", import.meta.url));
const child = new Deno.Command("deno", {
  args: ["run", "--unstable-no-legacy-abort", ...heapFlags(heap), ...flags, main, "serve", ...args],
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.addSignalListener(signal, () => child.kill(signal));
}
const status = await child.status;
Deno.exit(status.code);
