/**
 * Disabled until configured: a tool whose credential is not in the vault (or lacks the `baseUrl`
 * setting its file's base URL comes from) is left out of the snapshot with a note, never served
 * to fail at call time. Re-decided on every load pass, so storing the credential enables it.
 */

import type { LoadProblem, ToolDefinition } from "./types.ts";

/** What the registry knows of the vault: never a secret, only names and which settings are set. */
export interface CredentialView {
  /** Each stored credential's name, with the names of its non-secret settings that are set. */
  readonly credentials: ReadonlyMap<string, ReadonlySet<string>>;
  /** Why no stored credential can be used (no master key configured); absent when they can. */
  readonly unusable?: string;
}

/** The served tools and the notes of those left out; `setupOf` gives a file's `setup:` hint. */
export function partitionByCredentials(
  tools: readonly ToolDefinition[],
  view: CredentialView | undefined,
  setupOf: (file: string) => string | undefined,
): { served: ToolDefinition[]; disabled: LoadProblem[] } {
  if (view === undefined) return { served: [...tools], disabled: [] };
  const served: ToolDefinition[] = [];
  const disabled: LoadProblem[] = [];
  for (const tool of tools) {
    const reason = missingFor(tool, view);
    if (reason === undefined) {
      served.push(tool);
      continue;
    }
    const setup = setupOf(tool.source.file);
    const message = `tool "${tool.name}" disabled: ${reason}${setup ? `: ${setup}` : ""}`;
    disabled.push({ file: tool.source.file, line: tool.source.line, message });
  }
  return { served, disabled };
}

function missingFor(tool: ToolDefinition, view: CredentialView): string | undefined {
  if (tool.auth === undefined) return undefined;
  const settings = view.credentials.get(tool.auth);
  if (settings === undefined) return `credential "${tool.auth}" is not set`;
  if (view.unusable !== undefined) {
    return `credential "${tool.auth}" cannot be used: ${view.unusable}`;
  }
  const field = tool.backend.kind === "http" ? tool.backend.baseFrom?.field : undefined;
  // Why only settings: a token-response field (`instance_url`) exists only once a token is issued.
  if (field === "baseUrl" && !settings.has("baseUrl")) {
    return `credential "${tool.auth}" has no baseUrl setting (the site its tools call)`;
  }
  return undefined;
}

/**
 * One line per file and reason: `3 tool(s) disabled (a, b, c): credential "x" is not set: …`,
 * for logs, `nexus check` and `/readyz`. Notes not in the `tool "x" disabled: reason` form pass
 * through unchanged.
 */
export function summarizeDisabled(notes: readonly LoadProblem[]): LoadProblem[] {
  const groups = new Map<string, { note: LoadProblem; reason: string; names: string[] }>();
  const out: LoadProblem[] = [];
  for (const note of notes) {
    const match = /^tool "([^"]+)" disabled: (.*)$/s.exec(note.message);
    if (match === null) {
      out.push(note);
      continue;
    }
    const [, name = "", reason = ""] = match;
    const key = `${note.file}\0${reason}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { note, reason, names: [name] });
    else group.names.push(name);
  }
  for (const { note, reason, names } of groups.values()) {
    const count = names.length === 1 ? "1 tool" : `${names.length} tools`;
    out.push({ ...note, message: `${count} disabled (${names.join(", ")}): ${reason}` });
  }
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}
