/**
 * Pinning against tool poisoning: each upstream tool's definition (name, description, input and
 * output schemas, annotations) is hashed (SHA-256 over canonical JSON) and compared with the pin
 * approved in the store. A tool whose definition changed since approval, or (`pin: manual`) was
 * never approved, is withheld from clients; `pin: tofu` approves on first sight. Hidden Unicode
 * (tag characters, bidi controls, zero-width) in a definition is flagged.
 */

import { canonicalJson } from "../canonical_json.ts";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { JsonObject } from "../registry/mod.ts";
import type { ToolPinRepo, ToolPinRow } from "../store/mod.ts";
import type { UpstreamSpec } from "../upstream_spec/mod.ts";

/** The fields of an upstream tool that a pin covers. */
export const PINNED_FIELDS = [
  "name",
  "description",
  "inputSchema",
  "outputSchema",
  "annotations",
] as const;

/** Where one upstream tool stands against its pin. */
export interface PinCheck {
  /** The tool's upstream name. */
  tool: string;
  /** `approved`: matches its pin; `new`: never approved; `changed`: differs from its pin. */
  status: "approved" | "new" | "changed";
  /** The definition as it would be pinned, canonical JSON. */
  definition: string;
  /** Its SHA-256, lower-case hex. */
  hash: string;
  /** The pin, when there is one. */
  pin?: ToolPinRow;
  /** Field by field, what changed since the pin (`field: - old` / `field: + new` pairs). */
  changes: string[];
  /** Hidden characters per field, as `description: U+200B`. */
  hidden: string[];
}

// Why these ranges: tag characters (U+E0000–E007F) spell invisible ASCII; bidi embeddings,
// overrides and isolates (U+202A–202E, U+2066–2069) reorder what a reader sees; zero-width
// characters (U+200B–200D, U+2060, U+FEFF) hide text boundaries. Models read them all.
const HIDDEN = /[\u{E0000}-\u{E007F}\u202A-\u202E\u2066-\u2069\u200B-\u200D\u2060\uFEFF]/gu;

/** The hidden characters in `text`, as `U+XXXX`, each once, in order of first use. */
export function hiddenUnicode(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(HIDDEN)) {
    found.add(`U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`);
  }
  return [...found];
}

/** The part of an upstream tool a pin covers, absent fields left out. */
export function pinnedDefinition(tool: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const field of PINNED_FIELDS) {
    if (tool[field] !== undefined) out[field] = tool[field];
  }
  return out;
}

/** Checks each listed tool against `pins`. Raises nothing. */
export async function checkPins(
  listed: readonly JsonObject[],
  pins: readonly ToolPinRow[],
): Promise<PinCheck[]> {
  const byTool = new Map(pins.map((pin) => [pin.tool, pin]));
  return await Promise.all(listed.map(async (tool) => {
    const name = String(tool.name);
    const pinned = pinnedDefinition(tool);
    const definition = canonicalJson(pinned);
    const hash = await sha256(definition);
    const pin = byTool.get(name);
    const hidden = PINNED_FIELDS.flatMap((field) =>
      pinned[field] === undefined
        ? []
        : hiddenUnicode(canonicalJson(pinned[field])).map((code) => `${field}: ${code}`)
    );
    const status = pin === undefined ? "new" : pin.hash === hash ? "approved" : "changed";
    const changes = status === "changed" ? diffFields(JSON.parse(pin!.definition), pinned) : [];
    return { tool: name, status, definition, hash, ...(pin ? { pin } : {}), changes, hidden };
  }));
}

/** What {@linkcode applyPins} needs besides the listing. */
export interface ApplyPinsOptions {
  /** Where the pins live. */
  repo: ToolPinRepo;
  /** Receives the withheld and hidden-Unicode warnings. */
  logger: Logger;
  /** Keys already logged (tool and hash), so each warning is logged once; updated here. */
  logged: Set<string>;
  /** The clock, epoch ms; default `Date.now`. */
  now?: () => number;
}

/**
 * The listed tools clients may see under the upstream's `pin` mode, and how many were withheld.
 * `tools` are the upstream's tools the allow/deny rules keep. Raises what the repository raises.
 */
export async function applyPins(
  spec: UpstreamSpec,
  tools: readonly JsonObject[],
  options: ApplyPinsOptions,
): Promise<{ served: JsonObject[]; withheld: number }> {
  if (spec.pin === "off") return { served: [...tools], withheld: 0 };
  const { repo, logger, logged } = options;
  const now = options.now ?? Date.now;
  const checks = await checkPins(tools, await repo.list(spec.name));
  const served: JsonObject[] = [];
  let withheld = 0;
  function once(check: PinCheck, kind: string, log: () => void): void {
    const key = `${kind}\u0000${check.tool}\u0000${check.hash}`;
    if (logged.has(key)) return;
    logged.add(key);
    log();
  }
  for (const [i, check] of checks.entries()) {
    let status = check.status;
    if (status === "new" && spec.pin === "tofu") {
      const row = pinRow(spec.name, check, "tofu", now());
      // Why re-read on a lost race: another instance approved first; its pin is the one.
      const first = await repo.approveFirst(row);
      const pin = first ? row : await repo.find(spec.name, check.tool);
      status = pin?.hash === check.hash ? "approved" : "changed";
    }
    const fields = { upstream: spec.name, tool: check.tool };
    if (check.hidden.length > 0) {
      once(check, "hidden", () =>
        logger.warn("Upstream tool definition holds hidden Unicode", {
          ...fields,
          hidden: check.hidden.join(", "),
        }));
    }
    if (status === "approved") {
      served.push(tools[i]!);
      continue;
    }
    withheld++;
    if (status === "new") {
      once(
        check,
        "new",
        () => logger.warn("Upstream tool withheld: not approved yet (pin: manual)", fields),
      );
    } else {
      once(
        check,
        "changed",
        () =>
          logger.warn("Upstream tool withheld: its definition changed since approval", {
            ...fields,
            diff: check.changes.map((line) => clip(line, 160)).join("; "),
          }),
      );
    }
  }
  return { served, withheld };
}

/**
 * Approves the current definition of every listed tool of `upstream`, or only of `tool`; returns
 * the tools whose pin changed.
 * @throws GatewayError NOT_FOUND when `tool` is not among `listed`.
 */
export async function approvePins(
  repo: ToolPinRepo,
  upstream: string,
  listed: readonly JsonObject[],
  options: { tool?: string; by: string; now?: number },
): Promise<string[]> {
  const chosen = options.tool === undefined
    ? listed
    : listed.filter((tool) => tool.name === options.tool);
  if (options.tool !== undefined && chosen.length === 0) {
    throw new GatewayError(
      "NOT_FOUND",
      `Upstream "${upstream}" lists no tool "${options.tool}"`,
    );
  }
  const checks = await checkPins(chosen, await repo.list(upstream));
  const approved: string[] = [];
  for (const check of checks) {
    if (check.status === "approved") continue;
    await repo.approve(pinRow(upstream, check, options.by, options.now ?? Date.now()));
    approved.push(check.tool);
  }
  return approved;
}

/** `nexus upstreams diff` lines: each tool not matching its pin, field by field, and flags. */
export function formatPinChecks(
  checks: readonly PinCheck[],
  pinned: readonly ToolPinRow[],
): string[] {
  const lines: string[] = [];
  const listed = new Set(checks.map((check) => check.tool));
  for (const check of checks) {
    if (check.status === "approved" && check.hidden.length === 0) continue;
    const state = check.status === "new"
      ? "new, not approved"
      : check.status === "changed"
      ? "changed since approval"
      : "approved";
    lines.push(`${check.tool}: ${state}`);
    for (const line of check.changes) lines.push(`  ${line}`);
    for (const hidden of check.hidden) lines.push(`  ! hidden Unicode in ${hidden}`);
  }
  for (const pin of pinned) {
    if (!listed.has(pin.tool)) lines.push(`${pin.tool}: approved, no longer listed`);
  }
  return lines;
}

function diffFields(before: JsonObject, after: JsonObject): string[] {
  const lines: string[] = [];
  for (const field of PINNED_FIELDS) {
    const old = before[field] === undefined ? undefined : canonicalJson(before[field]);
    const now = after[field] === undefined ? undefined : canonicalJson(after[field]);
    if (old === now) continue;
    lines.push(`${field}: - ${old ?? "(none)"}`, `${field}: + ${now ?? "(none)"}`);
  }
  return lines;
}

function pinRow(upstream: string, check: PinCheck, by: string, at: number): ToolPinRow {
  return {
    upstream,
    tool: check.tool,
    hash: check.hash,
    definition: check.definition,
    approvedAt: at,
    approvedBy: by,
  };
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function clip(text: string, most: number): string {
  return text.length <= most ? text : `${text.slice(0, most)}…`;
}
