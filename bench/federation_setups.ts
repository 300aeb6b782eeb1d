/**
 * Starting the set-ups of the federation section (the upstream direct, Nexus with the upstream as
 * a stdio child, the npm peers) and capturing the real client's 2025-era exchange from each.
 */

import { captureLegacyExchange, type LegacyExchange } from "./legacy_capture.ts";
import { type PeerStart } from "./peers.ts";
import { processTreeCpuMs, spawnDeno } from "./processes.ts";
import { CONFIG, type RunningServer, startNexus } from "./setups.ts";
import { createSessionTarget, type SessionTarget } from "./session_target.ts";

/** The deno flags of the upstream, the same for its stdio and HTTP forms. */
const UPSTREAM_FLAGS = ["run", "--allow-net", "--allow-env", "--config", CONFIG];
const UPSTREAM = new URL("federation_upstream.ts", import.meta.url).pathname;

/** A set-up of the section once started: its target, or why it is not measured. */
export interface Started {
  name: string;
  running?: RunningServer;
  exchange?: LegacyExchange;
  target?: SessionTarget;
  note: string;
  reason?: string;
}

/** The argv of the stdio upstream, as every gateway is told to run it. */
export function upstreamArgv(): string[] {
  return [Deno.execPath(), ...UPSTREAM_FLAGS, UPSTREAM, "stdio"];
}

/** Starts the upstream serving HTTP itself; `extraFlags` go to `deno run` (e.g. `--cpu-prof`). */
export async function startDirect(extraFlags: string[] = []): Promise<Started> {
  const { process: child, url } = await spawnDeno({
    args: [...UPSTREAM_FLAGS, ...extraFlags, UPSTREAM, "http"],
    readyOn: "stdout",
    readUrl: (record) => typeof record.url === "string" ? record.url : undefined,
  });
  const running = { url, process: child };
  return await capture("direct", running, "the upstream's own `createMcpHandler` over HTTP");
}

/** Starts Nexus with the upstream as a stdio child; its CPU is counted with the child's. */
export async function startFederatedNexus(
  toolsDir: string,
  extraFlags: string[] = [],
): Promise<Started> {
  const nexus = await startNexus({ toolsDir, extraFlags: ["--allow-run", ...extraFlags] });
  const pid = nexus.process.child.pid;
  const running = { ...nexus, process: { ...nexus.process, cpuMs: () => processTreeCpuMs(pid) } };
  const started = await capture("nexus", running, "stdio upstream, one child for all clients");
  const hop = upstreamProtocol(nexus.process.stderrTail());
  return { ...started, note: `${started.note}; upstream hop ${hop}` };
}

/** The protocol Nexus negotiated with its stdio child, from its "Upstream started" record. */
function upstreamProtocol(lines: string[]): string {
  for (const line of lines) {
    if (!line.includes('"Upstream started"')) continue;
    try {
      const version = (JSON.parse(line) as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === "string") return version;
    } catch {
      // Why: not a JSON record after all; keep looking.
    }
  }
  return "not logged";
}

/** A started peer as a set-up, or the reason it is not measured. */
export async function fromPeer(peer: PeerStart, note: string): Promise<Started> {
  if (!peer.ok) return { name: peer.name, note, reason: peer.reason };
  return await capture(peer.name, { url: peer.url, process: peer.process }, note);
}

/** Captures the real client's exchange; a set-up that cannot answer it is reported, not dropped. */
async function capture(name: string, running: RunningServer, note: string): Promise<Started> {
  try {
    const exchange = await captureLegacyExchange(running.url);
    const target = createSessionTarget(name, exchange, running.process.cpuMs);
    return { name, running, exchange, target, note };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const log = running.process.stderrTail().slice(-5).join(" / ");
    return {
      name,
      running,
      note,
      reason: `${reason.split("\n")[0]}${log ? ` (log: ${log})` : ""}`,
    };
  }
}

/** A tools dir holding only the stdio upstream, unprefixed so the tool is `get_item` everywhere. */
export async function writeUpstreamToolsDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-bench-federation-" });
  const [command, ...args] = upstreamArgv();
  const yaml = `upstreams:
  - name: items
    prefix: ""
    stdio:
      command: ${JSON.stringify(command)}
      args: ${JSON.stringify(args)}
`;
  await Deno.writeTextFile(`${dir}/items_upstream.yaml`, yaml);
  return dir;
}
