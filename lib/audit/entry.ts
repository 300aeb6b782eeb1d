/**
 * What one finished call becomes in the audit log: identity, endpoint, tool, a hash of the
 * arguments (the redacted arguments themselves only when configured), outcome and facts.
 */

// Why node:crypto: a plain synchronous digest; `crypto.subtle` stays with lib/credentials.
import { createHash } from "node:crypto";
import type { Caller } from "../auth/mod.ts";
import { REDACTED_TEXT } from "../secret.ts";
import type { AuditRow } from "../store/mod.ts";

/** A finished `tools/call` as the MCP layer reports it (the shape of its `CallRecord`). */
export interface FinishedCall {
  requestId: string;
  caller: Caller;
  toolName: string;
  args: unknown;
  /** `ok` or an error code. */
  outcome: string;
  isError: boolean;
  startedAt: Date;
  durationMs: number;
  facts: {
    cacheHit?: boolean;
    coalesced?: boolean;
    credential?: { name: string; version: number };
    backendStatus?: number;
  };
}

const SENSITIVE_KEY =
  /(pass(word|wd|phrase)?|secret|token|api[_-]?key|authorization|cookie|credential|private[_-]?key)/i;
const MAX_ARGS_CHARS = 16_384;

/** Builds the audit row of one call. Raises nothing: odd arguments are described, not thrown. */
export function toAuditRow(call: FinishedCall, options: { includeArguments: boolean }): AuditRow {
  const redacted = redact(call.args);
  const canonical = canonicalJson(redacted);
  const { principal } = call.caller;
  return {
    at: call.startedAt.getTime(),
    requestId: call.requestId,
    clientId: principal.id,
    clientName: principal.name,
    clientKind: principal.kind,
    server: call.caller.server,
    tool: call.toolName.slice(0, 256),
    // Why the redacted form: a hash of a low-entropy secret (a PIN, a password) could be reversed
    // by guessing; hashing after redaction keeps the hash useful for grouping and safe to keep.
    argsHash: createHash("sha256").update(canonical).digest("hex"),
    args: options.includeArguments ? truncate(canonical) : null,
    outcome: call.outcome === "ok" ? (call.isError ? "tool_error" : "ok") : "error",
    errorCode: call.outcome === "ok" ? null : call.outcome,
    durationMs: Math.round(call.durationMs * 1000) / 1000,
    backendStatus: call.facts.backendStatus ?? null,
    cacheHit: call.facts.cacheHit ?? null,
    coalesced: call.facts.coalesced ?? null,
    credentialName: call.facts.credential?.name ?? null,
    credentialVersion: call.facts.credential?.version ?? null,
  };
}

/** A copy of `value` with every value under a credential-like key replaced by `[redacted]`. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 32) return REDACTED_TEXT;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SENSITIVE_KEY.test(key) ? REDACTED_TEXT : redact(item, depth + 1);
  }
  return out;
}

/** JSON with object keys sorted, so equal arguments hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort();
    const record = value as Record<string, unknown>;
    return `{${
      keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")
    }}`;
  }
  return JSON.stringify(value) ?? "null";
}

function truncate(text: string): string {
  return text.length <= MAX_ARGS_CHARS ? text : `${text.slice(0, MAX_ARGS_CHARS)}…[truncated]`;
}
