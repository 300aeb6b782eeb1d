// deno-lint-ignore-file no-console
/**
 * The load generator of the cluster section's many-clients cell, run as a subprocess (several
 * of them side by side, so no one event loop carries every connection): `clients` virtual
 * clients, each a closed loop of `calls` replays of one captured `tools/call` POST over plain
 * `fetch` (keep-alive, one connection per client in flight), a new `id` argument per call.
 * Prints one JSON line: completed calls, errors, up to three error texts and every latency (ms).
 *
 * Usage: deno run --allow-net bench/cluster_load.ts '<json: LoadSpec>'
 */

import type { CapturedCall } from "./capture.ts";
import { itemId } from "./targets.ts";

/** What one generator process runs. */
export interface LoadSpec {
  call: Pick<CapturedCall, "url" | "headers" | "bodyBefore" | "bodyAfter">;
  clients: number;
  /** Calls per client. */
  calls: number;
  /** First item number (each process gets its own range). */
  firstN: number;
  /** Stop starting calls after this long, ms. */
  maxMs: number;
}

/** What one generator process measured. */
export interface LoadResult {
  completed: number;
  errors: number;
  errorSamples: string[];
  latencies: number[];
  elapsedMs: number;
}

if (import.meta.main) {
  const spec = JSON.parse(Deno.args[0] ?? "{}") as LoadSpec;
  console.log(JSON.stringify(await runLoad(spec)));
}

/** Runs the closed loops of `spec` to their end. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  const samples = new Set<string>();
  let errors = 0;
  let next = spec.firstN;
  const started = performance.now();
  const stopAt = started + spec.maxMs;
  async function client(): Promise<void> {
    for (let i = 0; i < spec.calls && performance.now() < stopAt; i++) {
      const id = itemId(next++);
      const sent = performance.now();
      const failure = await callOnce(spec.call, id);
      latencies.push(performance.now() - sent);
      if (failure === undefined) continue;
      errors++;
      if (samples.size < 3) samples.add(failure);
    }
  }
  await Promise.all(Array.from({ length: spec.clients }, client));
  return {
    completed: latencies.length,
    errors,
    errorSamples: [...samples],
    latencies: latencies.map((ms) => Math.round(ms * 100) / 100),
    elapsedMs: performance.now() - started,
  };
}

async function callOnce(call: LoadSpec["call"], id: string): Promise<string | undefined> {
  try {
    const response = await fetch(call.url, {
      method: "POST",
      headers: call.headers,
      body: call.bodyBefore + id + call.bodyAfter,
    });
    const text = await response.text();
    if (response.status !== 200) return `HTTP ${response.status}: ${text.slice(0, 80)}`;
    const answer = JSON.parse(text) as { result?: { structuredContent?: { id?: unknown } } };
    return answer.result?.structuredContent?.id === id ? undefined : text.slice(0, 80);
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}
