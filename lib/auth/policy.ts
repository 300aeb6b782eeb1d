/**
 * Tool policies and virtual servers: which tools a caller may list and call, on which endpoint.
 *
 * Semantics (README "Security"): with no policy every authenticated caller may use every tool;
 * once any policy exists, a caller may use a tool only when a policy that applies to it allows the
 * tool (by name pattern or tag) and none that applies denies it. A virtual server narrows further
 * to its bundle, and may itself be limited to some clients or groups. Client entries name their
 * kind (`key:NAME`, `jwt:CLIENT`), so an API key and a JWT client with the same name never match
 * each other's entries.
 */

import { parseClientRef } from "../config/mod.ts";
import { GatewayError } from "../errors.ts";
import type { ToolDefinition } from "../registry/mod.ts";
import { compilePatterns, matchesAny, type PatternSet } from "./patterns.ts";
import { describeToolAccess, type ToolAccess } from "./policy_view.ts";
import { type Caller, DEFAULT_SERVER, type Principal } from "./principal.ts";

/** One policy as written in `nexus.yaml` under `policies:`. */
export interface PolicyRule {
  /** A label for the operator's own reference; matching ignores it. */
  name?: string;
  /** Clients the policy applies to: `key:NAME` or `jwt:CLIENT` (patterns after the prefix). */
  clients: readonly string[];
  /** Groups (patterns) the policy applies to; with `clients`, either matching is enough. */
  groups: readonly string[];
  /** Tool name patterns allowed. */
  tools: readonly string[];
  /** Tool tags allowed. */
  tags: readonly string[];
  /** Tool name patterns denied, whatever another policy allows. */
  deny: readonly string[];
  /** Per-client rate-limit overrides (`{ perClient: "600/min" }`), read by the limits stage. */
  rateLimit?: Readonly<Record<string, string>>;
}

/** One virtual server as written in `nexus.yaml` under `servers:`. */
export interface VirtualServerSpec {
  /** A note for the operator's own reference; not served to clients. */
  description?: string;
  /** Tool name patterns in the bundle; a tool matching these or `tags` is in it. */
  tools: readonly string[];
  /** Tool tags in the bundle. */
  tags: readonly string[];
  /** When set (or `groups`), only these clients (`key:NAME`, `jwt:CLIENT`) may use the endpoint. */
  clients: readonly string[];
  /** Groups (patterns) that may use the endpoint, besides `clients`. */
  groups: readonly string[];
}

/** The policy the gateway enforces; swapped whole on reload. */
export interface Policy {
  /** Whether `caller` may see and call `tool` on its endpoint. */
  canUse(caller: Caller, tool: ToolDefinition): boolean;
  /** Whether `principal` may use virtual server `server` (false for an unknown server). */
  mayEnter(principal: Principal, server: string): boolean;
  /** Rate-limit overrides for `principal`, first policy in file order winning per scope. */
  rateLimitFor(principal: Principal): Readonly<Record<string, string>> | undefined;
  /** The virtual server names, `default` (`/mcp`) excluded. */
  serverNames(): readonly string[];
  /** Which policies and virtual servers name `tool` (the admin console's view; not a decision). */
  describe(tool: Pick<ToolDefinition, "name" | "tags">): ToolAccess;
}

/** Client entries compiled per kind; a principal is tested only against its own kind's. */
interface ClientMatcher {
  readonly empty: boolean;
  test(principal: Principal): boolean;
}

interface CompiledRule {
  clients: ClientMatcher;
  groups: PatternSet;
  tools: PatternSet;
  tags: PatternSet;
  deny: PatternSet;
  everyone: boolean;
  rateLimit?: Readonly<Record<string, string>>;
}

interface CompiledServer {
  tools: PatternSet;
  tags: PatternSet;
  clients: ClientMatcher;
  groups: PatternSet;
}

/**
 * Compiles policies and virtual servers once.
 * @throws GatewayError INVALID_CONFIG for a client entry without its kind (the config schema
 *   refuses those first, with the same message).
 */
export function createPolicy(
  options: { rules?: readonly PolicyRule[]; servers?: Readonly<Record<string, VirtualServerSpec>> },
): Policy {
  const rules = (options.rules ?? []).map(compileRule);
  const servers = new Map<string, CompiledServer>();
  for (const [name, spec] of Object.entries(options.servers ?? {})) {
    servers.set(name, compileServer(spec));
  }
  // Why: a key's tool list rides on every request's principal (the same array while the key is
  // cached); compile each list once, without holding on to principals that are gone.
  const keyPatterns = new WeakMap<readonly string[], PatternSet>();
  function keyAllows(tools: readonly string[], name: string): boolean {
    let set = keyPatterns.get(tools);
    if (set === undefined) keyPatterns.set(tools, set = compilePatterns(tools));
    return set.test(name);
  }
  function mayEnter(principal: Principal, server: string): boolean {
    const spec = servers.get(server);
    if (spec === undefined) return server === DEFAULT_SERVER;
    return admits(spec, principal);
  }
  return {
    canUse(caller, tool) {
      const { principal } = caller;
      const server = servers.get(caller.server);
      if (server !== undefined && !(inBundle(server, tool) && admits(server, principal))) {
        return false;
      }
      if (server === undefined && caller.server !== DEFAULT_SERVER) return false;
      if (principal.tools !== undefined && principal.tools.length > 0) {
        if (!keyAllows(principal.tools, tool.name)) return false;
      }
      // Why: the stdio client is whoever launched the process, who can read this config anyway.
      if (rules.length === 0 || principal.kind === "stdio") return true;
      return rulesAllow(rules, principal, tool);
    },
    mayEnter,
    rateLimitFor(principal) {
      let merged: Record<string, string> | undefined;
      for (const rule of rules) {
        if (rule.rateLimit === undefined || !applies(rule, principal)) continue;
        merged = { ...rule.rateLimit, ...merged };
      }
      return merged;
    },
    serverNames: () => [...servers.keys()].filter((name) => name !== DEFAULT_SERVER),
    describe: (tool) => describeToolAccess(options, tool),
  };
}

function rulesAllow(
  rules: readonly CompiledRule[],
  principal: Principal,
  tool: ToolDefinition,
): boolean {
  let allowed = false;
  for (const rule of rules) {
    if (!applies(rule, principal)) continue;
    if (rule.deny.test(tool.name)) return false;
    if (!allowed) allowed = rule.tools.test(tool.name) || matchesAny(rule.tags, tool.tags ?? []);
  }
  return allowed;
}

function applies(rule: CompiledRule, principal: Principal): boolean {
  if (rule.everyone) return true;
  return rule.clients.test(principal) || matchesAny(rule.groups, principal.groups);
}

function admits(server: CompiledServer, principal: Principal): boolean {
  if (server.clients.empty && server.groups.empty) return true;
  if (principal.kind === "stdio") return true;
  return server.clients.test(principal) || matchesAny(server.groups, principal.groups);
}

function inBundle(server: CompiledServer, tool: ToolDefinition): boolean {
  return server.tools.test(tool.name) || matchesAny(server.tags, tool.tags ?? []);
}

function compileRule(rule: PolicyRule): CompiledRule {
  const clients = compileClients(rule.clients);
  const groups = compilePatterns(rule.groups);
  return {
    clients,
    groups,
    tools: compilePatterns(rule.tools),
    tags: compilePatterns(rule.tags),
    deny: compilePatterns(rule.deny),
    everyone: clients.empty && groups.empty,
    rateLimit: rule.rateLimit,
  };
}

function compileServer(spec: VirtualServerSpec): CompiledServer {
  return {
    tools: compilePatterns(spec.tools),
    tags: compilePatterns(spec.tags),
    clients: compileClients(spec.clients),
    groups: compilePatterns(spec.groups),
  };
}

/**
 * `key:NAME` entries match API keys by name or key id; `jwt:CLIENT` entries match JWT principals
 * by client or `issuer#subject`. Nothing else matches a client entry (anonymous callers are
 * matched by policies without `clients`, stdio by none).
 */
function compileClients(entries: readonly string[]): ClientMatcher {
  const byKind: Record<string, string[]> = { api_key: [], jwt: [] };
  for (const entry of entries) {
    const ref = parseClientRef(entry);
    if (typeof ref === "string") {
      throw new GatewayError("INVALID_CONFIG", `Invalid policy client: ${ref}`);
    }
    byKind[ref.kind]!.push(ref.pattern);
  }
  const keys = compilePatterns(byKind.api_key!);
  const jwts = compilePatterns(byKind.jwt!);
  return {
    empty: entries.length === 0,
    test(principal) {
      const set = principal.kind === "api_key" ? keys : principal.kind === "jwt" ? jwts : undefined;
      if (set === undefined || set.empty) return false;
      const prefix = principal.kind === "api_key" ? "key:" : "jwt:";
      const bareId = principal.id.startsWith(prefix)
        ? principal.id.slice(prefix.length)
        : undefined;
      return set.test(principal.name) || (bareId !== undefined && set.test(bareId));
    },
  };
}
