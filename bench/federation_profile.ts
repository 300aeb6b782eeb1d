/**
 * Profiling the federation section: Nexus (with its stdio child) and the upstream serving HTTP
 * itself, each under `deno run --cpu-prof`, driven with the same 2025-era session load, and the
 * main-thread CPU per call compared. The stdio child is not profiled: its work is the same as
 * direct's minus the HTTP serving.
 */

import { type ProfileSummary, summariseProfile, type WindowMarker } from "./cpu_profile.ts";
import { captureLegacyExchange } from "./legacy_capture.ts";
import { measureInterleaved, warmUp } from "./load.ts";
import { findProfile, type ProfiledRun } from "./profile.ts";
import { fixed } from "./report.ts";
import { areaRows, bySelf, byTotal, functionTable, isSdk } from "./profile_report.ts";
import { createSessionTarget } from "./session_target.ts";
import { startDirect, type Started, startFederatedNexus } from "./federation_setups.ts";

/** How hard to drive each profiled server. */
export interface FederationProfileOptions {
  toolsDir: string;
  calls: number;
  warmupCalls: number;
  concurrency: number;
}

// Why 2 s: the gateway writes the warm-up's last audit records at its next flush (every 500 ms),
// inside this pause; what is left of it must still hold an idle gap of PAUSE_MS / 2.
const PAUSE_MS = 2_000;

/**
 * A function that runs only while a call is served. Why the SDK's `handlePostRequest` for direct:
 * it serves 2025-era POSTs through the SDK's stateless legacy transport. Why any function of
 * `lib/` for Nexus: it answers a stateless 2025 call of a federated tool without the SDK's
 * transport (lib/mcp/direct_dispatch.ts), and a small function of its own may be inlined once
 * optimised and leave no sample (as in profile.ts).
 */
const MARKERS = {
  nexus: { urlIncludes: "/lib/", gapMs: PAUSE_MS / 2 },
  direct: {
    urlIncludes: "@modelcontextprotocol/server/",
    functionName: "handlePostRequest",
    gapMs: PAUSE_MS / 2,
  },
} satisfies Record<string, WindowMarker>;

/** Profiles Nexus, then direct, and formats the comparison. */
export async function profileFederation(options: FederationProfileOptions): Promise<string> {
  const nexus = await profileOne(
    "nexus",
    (flags) => startFederatedNexus(options.toolsDir, flags),
    options,
  );
  const direct = await profileOne("direct", (flags) => startDirect(flags), options);
  return formatFederationProfile(nexus, direct);
}

async function profileOne(
  kind: keyof typeof MARKERS,
  start: (flags: string[]) => Promise<Started>,
  options: FederationProfileOptions,
): Promise<ProfiledRun> {
  const dir = await Deno.makeTempDir({ prefix: `nexus-bench-federation-${kind}-prof-` });
  const started = await start(["--cpu-prof", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=200"]);
  const running = started.running;
  if (running === undefined) throw new Error(`Cannot profile ${kind}: ${started.reason}`);
  let calls = 0;
  try {
    const exchange = await captureLegacyExchange(running.url);
    const target = createSessionTarget(kind, exchange, running.process.cpuMs);
    const { concurrency } = options;
    await warmUp(target, { concurrency, calls: options.warmupCalls, maxMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    const [cell] = await measureInterleaved([target], {
      concurrency,
      calls: options.calls,
      warmupCalls: 0,
      maxMs: 30_000,
      rounds: 1,
    });
    if (cell === undefined || cell.errors > 0) {
      throw new Error(`Profile run of ${kind} had errors: ${cell?.errorSamples.join("; ")}`);
    }
    calls = cell.completed;
  } finally {
    await running.process.stop();
  }
  const profilePath = await findProfile(dir);
  const summary: ProfileSummary = await summariseProfile(profilePath, {
    calls,
    marker: MARKERS[kind],
  });
  return { kind, summary, profilePath };
}

function formatFederationProfile(nexus: ProfiledRun, direct: ProfiledRun): string {
  const n = nexus.summary;
  const d = direct.summary;
  return [
    `Main-thread CPU per call from \`deno run --cpu-prof\` (200 µs sampling), ${n.calls} calls ` +
    "at 64 clients after the same warm-up, 2025-era sessions as above. Nexus's figure is the " +
    "gateway process alone (its stdio child is not profiled); direct's is the whole server. " +
    "Profiling slows both alike; compare, do not add up.",
    "",
    "| | Nexus (gateway process) | direct | Nexus − direct |",
    "| --- | ---: | ---: | ---: |",
    `| busy CPU µs per call | ${fixed(n.busyUsPerCall, 1)} | ${fixed(d.busyUsPerCall, 1)} | ${
      fixed(n.busyUsPerCall - d.busyUsPerCall, 1)
    } |`,
    ...areaRows(nexus, direct),
    "",
    `Raw profiles: \`${nexus.profilePath}\`, \`${direct.profilePath}\`.`,
    "",
    "#### Nexus: top functions by self time (µs per call)",
    "",
    functionTable(bySelf(n.functions).slice(0, 15)),
    "",
    "#### Nexus: gateway code (`lib/`) by inclusive time (µs per call, synchronous parts)",
    "",
    functionTable(byTotal(n.functions.filter((f) => f.area.startsWith("lib/")))),
    "",
    "#### Nexus: SDK functions by inclusive time (µs per call; server and upstream client)",
    "",
    functionTable(byTotal(n.functions.filter(isSdk))),
  ].join("\n");
}
