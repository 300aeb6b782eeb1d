/**
 * What the policy model says about one tool, for the admin console: whether every caller may use
 * it (no policy exists), which policies allow or deny it and to whom they apply, and which
 * virtual servers bundle it. A description, not a decision: `canUse` stays the one decision, and
 * an API key's own tool list narrows it further per key.
 */

import type { ToolDefinition } from "../registry/mod.ts";
import { compilePatterns, matchesAny } from "./patterns.ts";
import type { PolicyRule, VirtualServerSpec } from "./policy.ts";

/** One policy entry that names the tool. */
export interface PolicyMatch {
  /** Its position under `policies:`, from 0. */
  index: number;
  /** Its `name`, when it has one. */
  name?: string;
  /** `allow`: its tools or tags take the tool in; `deny`: its `deny` names it. */
  effect: "allow" | "deny";
  /** Whom it applies to (`key:NAME`, `jwt:CLIENT`); with `groups` both empty: everyone. */
  clients: readonly string[];
  /** Groups (patterns) it applies to. */
  groups: readonly string[];
}

/** The policy view of one tool. */
export interface ToolAccess {
  /** True when no policy exists: every authenticated caller may use every tool. */
  everyone: boolean;
  /** The policies that allow or deny it, in file order. */
  policies: PolicyMatch[];
  /** The virtual servers (`/mcp/{name}`) whose bundle holds it. */
  servers: string[];
}

/** Describes the access to `tool` under `rules` and `servers`. Raises nothing. */
export function describeToolAccess(
  options: {
    rules?: readonly PolicyRule[];
    servers?: Readonly<Record<string, VirtualServerSpec>>;
  },
  tool: Pick<ToolDefinition, "name" | "tags">,
): ToolAccess {
  const rules = options.rules ?? [];
  const tags = tool.tags ?? [];
  const policies: PolicyMatch[] = [];
  for (const [index, rule] of rules.entries()) {
    const denied = compilePatterns(rule.deny).test(tool.name);
    const allowed = compilePatterns(rule.tools).test(tool.name) ||
      matchesAny(compilePatterns(rule.tags), tags);
    if (!denied && !allowed) continue;
    policies.push({
      index,
      ...(rule.name === undefined ? {} : { name: rule.name }),
      effect: denied ? "deny" : "allow",
      clients: rule.clients,
      groups: rule.groups,
    });
  }
  const servers = Object.entries(options.servers ?? {}).filter(([, spec]) =>
    compilePatterns(spec.tools).test(tool.name) || matchesAny(compilePatterns(spec.tags), tags)
  ).map(([name]) => name);
  return { everyone: rules.length === 0, policies, servers };
}
