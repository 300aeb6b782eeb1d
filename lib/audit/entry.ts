/**
 * What one finished call becomes in the audit log: identity, endpoint, tool, a keyed hash of the
 * arguments (the redacted arguments themselves only when configured), outcome and facts.
 */

import type { Caller } from "../auth/mod.ts";
import { canonicalJson } from "../canonical_json.ts";
// Why a synchronous HMAC for the no-master-key fallback: `crypto.subtle` and every key derived
// from the master key stay with lib/credentials, which hands its hash in.
import { hmacSha256Hex } from "../hmac_sha256.ts";
import { isSensitiveKey, REDACTED_TEXT } from "../secret.ts";
import type { AuditRow } from "../store/mod.ts";

/** A finished `tools/call` as the MCP layer reports it (the shape of its `CallRecord`). */
export interface FinishedCall {
  /** The gateway's id for the request, as its log lines and error messages name it. */
  requestId: string;
  /** Who called, on which endpoint. */
  caller: Caller;
  /** The tool name the client asked for (it may not exist). */
  toolName: string;
  /** The arguments as the client sent them; redacted and hashed here, never stored raw. */
  args: unknown;
  /** `ok` or an error code. */
  outcome: string;
  /** Whether the client got an `isError` result; with outcome `ok`, the tool's own error. */
  isError: boolean;
  /** When the call started. */
  startedAt: Date;
  /** How long the call took, in milliseconds. */
  durationMs: number;
  /** What the stages noted: cache hit or coalesced, the credential used, the backend status. */
  facts: {
    cacheHit?: boolean;
    coalesced?: boolean;
    credential?: { name: string; version: number };
    backendStatus?: number;
    /** A relayed task this call created or saw end; `id` is the gateway's task id. */
    task?: { event: string; id: string };
    /** `canonicalJson(args)` when a stage already wrote it (the cache key's arguments). */
    argsText?: string;
  };
}

const MAX_ARGS_CHARS = 16_384;

/**
 * Hashes canonical argument text: HMAC-SHA-256, hex. The gateway passes one keyed from the master
 * key (`createArgsHasher` in lib/credentials); {@linkcode PROCESS_ARGS_HASH} is the fallback.
 */
export type ArgsHasher = (canonical: string) => string;

/**
 * The hash without a master key: HMAC-SHA-256 under a random key made when the process starts.
 * Why not a plain digest: a SHA-256 of low-entropy arguments is reversed by a dictionary. The
 * cost is that equal arguments hash equally only within one process run (not across restarts or
 * instances); configure a master key for hashes stable across both.
 */
export const PROCESS_ARGS_HASH: ArgsHasher = createProcessHasher();

function createProcessHasher(): ArgsHasher {
  return hmacSha256Hex(crypto.getRandomValues(new Uint8Array(32)));
}

/** Builds the audit row of one call. Raises nothing: odd arguments are described, not thrown. */
export function toAuditRow(
  call: FinishedCall,
  options: { includeArguments: boolean; hashArgs?: ArgsHasher },
): AuditRow {
  const canonical = canonicalArgs(call);
  const { principal } = call.caller;
  const hash = options.hashArgs ?? PROCESS_ARGS_HASH;
  const task = call.facts.task;
  return {
    at: call.startedAt.getTime(),
    requestId: call.requestId,
    clientId: principal.id,
    clientName: principal.name,
    clientKind: principal.kind,
    server: call.caller.server,
    tool: call.toolName.slice(0, 256),
    // Why the redacted form, keyed: a hash of low-entropy arguments (a PIN, a password) could be
    // reversed by guessing; the key and the redaction keep it useful for grouping and safe to keep.
    argsHash: hash(canonical),
    args: options.includeArguments ? truncate(canonical) : null,
    ...outcomeOf(call, task === undefined ? undefined : { ...task, hash }),
    durationMs: Math.round(call.durationMs * 1000) / 1000,
    backendStatus: call.facts.backendStatus ?? null,
    cacheHit: call.facts.cacheHit ?? null,
    coalesced: call.facts.coalesced ?? null,
    credentialName: call.facts.credential?.name ?? null,
    credentialVersion: call.facts.credential?.version ?? null,
  };
}

/**
 * The row's `outcome` and `errorCode`. A task row (the call created a task, or the end of one was
 * seen) has outcome `task_<event>` and, in `errorCode`, `task:` and the keyed hash of the gateway
 * task id: the key that joins a task's creation and its end without storing either id.
 */
function outcomeOf(
  call: FinishedCall,
  task: { event: string; id: string; hash: ArgsHasher } | undefined,
): Pick<AuditRow, "outcome" | "errorCode"> {
  if (call.outcome !== "ok") return { outcome: "error", errorCode: call.outcome };
  if (task !== undefined) {
    return {
      outcome: `task_${task.event}`,
      errorCode: `task:${task.hash(TASK_CONTEXT + task.id)}`,
    };
  }
  return { outcome: call.isError ? "tool_error" : "ok", errorCode: null };
}

/** Domain separation: the task hash never equals an argument hash. */
const TASK_CONTEXT = "nexus audit task id v1\n";

/**
 * The redacted arguments in canonical JSON. Why the stages' text when nothing is redacted: the
 * cache key wrote the same arguments object already (`argsText`), and this runs for every call.
 */
function canonicalArgs(call: FinishedCall): string {
  const { args, facts } = call;
  const redacted = redact(args);
  // Why an object only: absent arguments are audited as `null`, the stages saw them as `{}`.
  const unchanged = redacted === args && typeof args === "object" && args !== null;
  return unchanged && facts.argsText !== undefined ? facts.argsText : canonicalJson(redacted);
}

/**
 * `value` with every value under a credential-like key replaced by `[redacted]`: a copy where
 * anything was replaced, `value` itself where nothing was (so no copy per call for clean
 * arguments, and the caller can tell).
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 32) return REDACTED_TEXT;
  if (Array.isArray(value)) {
    const items = value.map((item) => redact(item, depth + 1));
    return items.every((item, index) => item === value[index]) ? value : items;
  }
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value);
  let out: Record<string, unknown> | undefined;
  for (let index = 0; index < entries.length; index++) {
    const [key, item] = entries[index]!;
    const kept = isSensitiveKey(key) ? REDACTED_TEXT : redact(item, depth + 1);
    if (out === undefined && kept !== item) {
      out = {};
      for (const [earlier, same] of entries.slice(0, index)) out[earlier] = same;
    }
    if (out !== undefined) out[key] = kept;
  }
  return out ?? value;
}

function truncate(text: string): string {
  return text.length <= MAX_ARGS_CHARS ? text : `${text.slice(0, MAX_ARGS_CHARS)}…[truncated]`;
}
