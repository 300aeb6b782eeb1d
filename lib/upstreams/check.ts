/**
 * Static checks of upstream entries, run by `nexus check` and at gateway start without connecting
 * anything: unique names across `nexus.yaml` and tool files, and the names that renames produce
 * (valid by the MCP rules, no clash with file tools or with another upstream's renames; prompt
 * renames likewise among prompts).
 */

import { checkToolName } from "../registry/mod.ts";
import type { ToolDefinition } from "../registry/types.ts";
import { federatedName, type UpstreamEntry } from "./federation.ts";
import { federatedPromptName } from "./catalog.ts";

/**
 * The entries that may be served (a later duplicate name is dropped) and every problem found,
 * each naming both sources where two are involved.
 */
export function checkUpstreams(
  entries: readonly UpstreamEntry[],
  fileTools: readonly ToolDefinition[],
): { entries: UpstreamEntry[]; problems: string[] } {
  const problems: string[] = [];
  const kept: UpstreamEntry[] = [];
  const byName = new Map<string, UpstreamEntry>();
  for (const entry of entries) {
    const first = byName.get(entry.spec.name);
    if (first !== undefined) {
      problems.push(
        `upstream "${entry.spec.name}" at ${where(entry)} is already declared at ${where(first)}`,
      );
      continue;
    }
    byName.set(entry.spec.name, entry);
    kept.push(entry);
  }
  const owner = new Map<string, string>();
  for (const tool of fileTools) {
    owner.set(tool.name, `tool file ${tool.source.file}:${tool.source.line}`);
  }
  for (const entry of kept) {
    for (const from of Object.keys(entry.spec.tools.rename)) {
      const name = federatedName(entry.spec, from);
      const label = `upstream "${entry.spec.name}" (${
        where(entry)
      }) renames "${from}" to "${name}"`;
      const invalid = checkToolName(name);
      if (invalid !== undefined) problems.push(`${label}: ${invalid}`);
      const first = owner.get(name);
      if (first !== undefined) problems.push(`${label}, which clashes with ${first}`);
      else owner.set(name, `upstream "${entry.spec.name}" (${where(entry)})`);
    }
  }
  problems.push(...checkPromptRenames(kept));
  return { entries: kept, problems };
}

/** Prompt renames: valid names, and no two upstreams renaming to one prompt name. */
function checkPromptRenames(entries: readonly UpstreamEntry[]): string[] {
  const problems: string[] = [];
  const owner = new Map<string, string>();
  for (const entry of entries) {
    for (const from of Object.keys(entry.spec.prompts?.rename ?? {})) {
      const name = federatedPromptName(entry.spec, from);
      const label = `upstream "${entry.spec.name}" (${
        where(entry)
      }) renames prompt "${from}" to "${name}"`;
      const invalid = checkToolName(name);
      if (invalid !== undefined) problems.push(`${label}: ${invalid}`);
      const first = owner.get(name);
      if (first !== undefined) problems.push(`${label}, which clashes with ${first}`);
      else owner.set(name, `upstream "${entry.spec.name}" (${where(entry)})`);
    }
  }
  return problems;
}

function where(entry: UpstreamEntry): string {
  return `${entry.source.file}:${entry.source.line}`;
}
