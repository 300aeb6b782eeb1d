/** `/readyz`: store, Redis, registry and closing state, and the tool files disabled until configured. */

import type { Readiness } from "../http/mod.ts";
import { type LoadProblem, summarizeDisabled } from "../registry/mod.ts";
import type { GatewayParts } from "./parts.ts";

/** How long a readiness probe waits for a store to answer. */
const PING_TIMEOUT_MS = 2_000;

/** The readiness checks: store, Redis (when configured), registry, and whether closing began. */
export async function readiness(parts: GatewayParts, closing: boolean): Promise<Readiness> {
  const [store, redis] = await Promise.all([
    within(parts.store.ping(), PING_TIMEOUT_MS),
    parts.limits.ping(),
  ]);
  const checks: Record<string, string> = {
    store: store ? "ok" : `${parts.store.dialect} store does not answer`,
    ...(redis === undefined ? {} : { redis: redis ? "ok" : "Redis does not answer" }),
    registry: `ok`,
    gateway: closing ? "closing" : "ok",
  };
  const ready = Object.values(checks).every((check) => check === "ok");
  const disabled = disabledByFile(parts.toolFiles.disabled?.() ?? []);
  return disabled === undefined ? { ready, checks } : { ready, checks, disabled };
}

/** One line per tool file on what it leaves out until configured; undefined when nothing. */
function disabledByFile(notes: readonly LoadProblem[]): Record<string, string> | undefined {
  if (notes.length === 0) return undefined;
  const byFile: Record<string, string> = {};
  for (const note of summarizeDisabled(notes)) {
    const reason = note.message;
    byFile[note.file] = byFile[note.file] === undefined
      ? reason
      : `${byFile[note.file]}; ${reason}`;
  }
  return byFile;
}

/** `promise`'s value, or false once `ms` passed (a store that hangs is not ready). */
function within(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms));
  return Promise.race([promise.catch(() => false), timeout]).finally(() => clearTimeout(timer));
}
