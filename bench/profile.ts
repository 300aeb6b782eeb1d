/**
 * Profiling before guessing: runs one MCP server under `deno run --cpu-prof`, drives a fixed
 * number of `tools/call`s through it, stops it (the profile is written at exit) and summarises
 * the profile per call.
 */

import { captureToolCall } from "./capture.ts";
import { type ProfileSummary, summariseProfile, type WindowMarker } from "./cpu_profile.ts";
import { measureInterleaved, warmUp } from "./load.ts";
import { type RunningServer, startHandwritten, startNexus } from "./setups.ts";
import { createMcpTarget } from "./targets.ts";

/** Which server to profile and how hard to drive it. */
export interface ProfileOptions {
  kind: "nexus" | "hand-written";
  backendUrl: string;
  toolsDir: string;
  calls: number;
  warmupCalls: number;
  concurrency: number;
}

/** A profiled run: the summary and where the raw profile was kept. */
export interface ProfiledRun {
  kind: string;
  summary: ProfileSummary;
  profilePath: string;
}

/** The idle pause between warm-up and the measured calls; the profile window starts after it. */
// Why 2 s: the gateway writes the warm-up's last audit records at its next flush (every 500 ms),
// inside this pause; what is left of it must still hold an idle gap of PAUSE_MS / 2.
const PAUSE_MS = 2_000;

/**
 * A function that runs only while a call is served. Why the SDK's own `serveModern` for the
 * hand-written server: it is pinned with the SDK version. Why Nexus's own code: Nexus answers a
 * plain `tools/call` without the SDK (lib/mcp/direct_dispatch.ts), so `serveModern` never runs.
 */
const MARKERS: Record<ProfileOptions["kind"], WindowMarker> = {
  "hand-written": {
    urlIncludes: "@modelcontextprotocol/server/",
    functionName: "serveModern",
    gapMs: PAUSE_MS / 2,
  },
  // Why any function of lib/: `serveMcp` moved to lib/http/mcp_route.ts (the marker named app.ts
  // found no sample), and once optimised it is inlined and leaves none (as in hot_tools.ts).
  "nexus": { urlIncludes: "/lib/", gapMs: 800 },
};

/** Runs the profile; the `.cpuprofile` stays in a temp dir so it can be opened in DevTools. */
export async function profileServer(options: ProfileOptions): Promise<ProfiledRun> {
  const dir = await Deno.makeTempDir({ prefix: `nexus-bench-${options.kind}-prof-` });
  const flags = ["--cpu-prof", `--cpu-prof-dir=${dir}`, "--cpu-prof-interval=200"];
  const server = await startProfiled(options, flags);
  let calls = 0;
  try {
    const target = createMcpTarget(
      options.kind,
      await captureToolCall(server.url),
      server.process.cpuMs,
    );
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
      throw new Error(`Profile run had errors: ${cell?.errorSamples.join("; ")}`);
    }
    calls = cell.completed;
  } finally {
    await server.process.stop();
  }
  const profilePath = await findProfile(dir);
  const summary = await summariseProfile(profilePath, { calls, marker: MARKERS[options.kind] });
  return { kind: options.kind, summary, profilePath };
}

function startProfiled(options: ProfileOptions, flags: string[]): Promise<RunningServer> {
  return options.kind === "nexus"
    ? startNexus({ toolsDir: options.toolsDir, extraFlags: flags })
    : startHandwritten(options.backendUrl, flags);
}

/**
 * The profile Nexus wrote into `dir` at exit, summarised over the window in which it served
 * `calls` (marked by its own `lib/` functions); with the file's path.
 */
export async function summariseNexusProfile(
  dir: string,
  calls: number,
): Promise<{ path: string; summary: ProfileSummary }> {
  const path = await findProfile(dir);
  return { path, summary: await summariseProfile(path, { calls, marker: MARKERS.nexus }) };
}

/** The `.cpuprofile` a process wrote into `dir` at exit. */
export async function findProfile(dir: string): Promise<string> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".cpuprofile")) return `${dir}/${entry.name}`;
  }
  throw new Error(`No .cpuprofile written in ${dir}: did the server exit cleanly on SIGTERM?`);
}
