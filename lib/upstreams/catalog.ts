/**
 * Turning an upstream's `prompts/list`, `resources/list` and `resources/templates/list` into what
 * the gateway serves, and merging every upstream's lists into one catalog with routing tables.
 *
 * Naming rule: a prompt is named like a tool (`prompts.rename`, then `prefix` + `separator`); a
 * resource keeps its URI and a template its URI template untouched, because a URI names the same
 * thing for every client (`file:///…`, `https://…`). A `resources/read` is routed to the upstream
 * that listed that exact URI, else to the first upstream whose template matches it. Pure
 * functions over data.
 */

import { UriTemplate } from "@modelcontextprotocol/client";
import { checkToolName, type JsonObject } from "../registry/mod.ts";
import type { UpstreamSpec, UpstreamToolRules } from "../upstream_spec/mod.ts";
import { matchesGlob } from "./federation.ts";

/** A 2026-07-28 cache hint as an upstream sent it (absent fields: the upstream said nothing). */
export interface ListHint {
  /** How long the list may be cached, in milliseconds. */
  ttlMs?: number;
  /** Whether shared caches may keep it. */
  cacheScope?: "public" | "private";
}

/** One upstream's federated prompts, resources and templates, as last listed. */
export interface UpstreamCatalog {
  /** The upstream's name. */
  upstream: string;
  /** Its prefix with the separator (`fx_`), or `""` without a prefix. */
  prefix: string;
  /** Prompts after allow/deny, renamed and prefixed. */
  prompts: FederatedPrompt[];
  /** Resources after allow/deny, URIs untouched. */
  resources: FederatedResource[];
  /** Resource templates after allow/deny, URI templates untouched. */
  templates: FederatedTemplate[];
  /** The cache hints of the three lists, when the upstream sent any. */
  hints: { prompts?: ListHint; resources?: ListHint; templates?: ListHint };
}

/** A prompt as the gateway serves it. */
export interface FederatedPrompt {
  /** The name clients see. */
  name: string;
  /** The upstream's own name, sent with `prompts/get` and `completion/complete`. */
  original: string;
  /** The owning upstream. */
  upstream: string;
  /** The `Prompt` object served in `prompts/list` (upstream fields kept, name replaced). */
  descriptor: JsonObject;
}

/** A resource as the gateway serves it. */
export interface FederatedResource {
  /** Its URI (unchanged). */
  uri: string;
  /** The owning upstream. */
  upstream: string;
  /** The `Resource` object served in `resources/list`, exactly as the upstream sent it. */
  descriptor: JsonObject;
}

/** A resource template as the gateway serves it. */
export interface FederatedTemplate {
  /** Its URI template (unchanged). */
  uriTemplate: string;
  /** The owning upstream. */
  upstream: string;
  /** The `ResourceTemplate` served in `resources/templates/list`, as the upstream sent it. */
  descriptor: JsonObject;
  /** Matches a URI against the template; undefined when it does not match. */
  match(uri: string): Record<string, string | string[]> | undefined;
}

/** Every upstream's catalog merged, with the routing tables built once. */
export interface MergedCatalog {
  /** Prompts in name order. */
  prompts: readonly FederatedPrompt[];
  /** Resources in URI order (the order `resources/list` pages through). */
  resources: readonly FederatedResource[];
  /** Templates in upstream order, then each upstream's own order (the order URIs are routed). */
  templates: readonly FederatedTemplate[];
  /** Templates in URI-template order (the order `resources/templates/list` pages through). */
  templateList: readonly FederatedTemplate[];
  /** Federated prompt name → prompt. */
  promptByName: ReadonlyMap<string, FederatedPrompt>;
  /** Exact resource URI → resource. */
  resourceByUri: ReadonlyMap<string, FederatedResource>;
  /** URI template → template. */
  templateByPattern: ReadonlyMap<string, FederatedTemplate>;
  /** Each upstream's hints, for the merged lists' cache hints. */
  hints: ReadonlyMap<string, UpstreamCatalog["hints"]>;
  /** Each upstream's prefix with its separator (what upstream-level visibility checks). */
  prefixes: ReadonlyMap<string, string>;
}

/** The longest resource or template `name` served; the MCP tool-name length limit. */
const MAX_NAME_LENGTH = 128;

const NO_RULES: UpstreamToolRules = { allow: [], deny: [], rename: {}, describe: {} };

/** The name a client sees for upstream prompt `name`: renamed, then prefixed. */
export function federatedPromptName(spec: UpstreamSpec, name: string): string {
  const base = spec.prompts?.rename[name] ?? name;
  return spec.prefix === "" ? base : `${spec.prefix}${spec.separator}${base}`;
}

/** Whether `rules` keep `name` (allow globs, when any, then deny globs). */
export function keeps(rules: UpstreamToolRules | undefined, name: string): boolean {
  const { allow, deny } = rules ?? NO_RULES;
  if (allow.length > 0 && !allow.some((glob) => matchesGlob(glob, name))) return false;
  return !deny.some((glob) => matchesGlob(glob, name));
}

/**
 * One upstream's listings federated; a problem for each entry left out (a final prompt name that
 * breaks the MCP name rules, a resource or template whose name is too long, an invalid template).
 */
export function federateCatalog(
  spec: UpstreamSpec,
  listed: {
    prompts: readonly unknown[];
    resources: readonly unknown[];
    templates: readonly unknown[];
  },
  hints: UpstreamCatalog["hints"] = {},
): { catalog: UpstreamCatalog; problems: string[] } {
  const problems: string[] = [];
  const label = `upstream "${spec.name}"`;
  const prompts: FederatedPrompt[] = [];
  for (const item of objects(listed.prompts, "name")) {
    const original = item.name as string;
    if (!keeps(spec.prompts, original)) continue;
    const name = federatedPromptName(spec, original);
    const problem = checkToolName(name);
    if (problem !== undefined) {
      problems.push(`${label} prompt "${original}": ${problem}`);
      continue;
    }
    const description = spec.prompts?.describe[original];
    const descriptor = { ...item, name, ...(description === undefined ? {} : { description }) };
    prompts.push({ name, original, upstream: spec.name, descriptor });
  }
  const resources: FederatedResource[] = [];
  for (const item of objects(listed.resources, "uri")) {
    const uri = item.uri as string;
    if (!keeps(spec.resources, uri)) continue;
    const problem = nameProblem(item);
    if (problem !== undefined) problems.push(`${label} resource "${uri}": ${problem}`);
    else resources.push({ uri, upstream: spec.name, descriptor: item });
  }
  const templates: FederatedTemplate[] = [];
  for (const item of objects(listed.templates, "uriTemplate")) {
    const uriTemplate = item.uriTemplate as string;
    if (!keeps(spec.resources, uriTemplate)) continue;
    const problem = nameProblem(item) ?? templateProblem(uriTemplate);
    if (problem !== undefined) {
      problems.push(`${label} resource template "${uriTemplate}": ${problem}`);
      continue;
    }
    const parsed = new UriTemplate(uriTemplate);
    templates.push({
      uriTemplate,
      upstream: spec.name,
      descriptor: item,
      match: (uri) => parsed.match(uri) ?? undefined,
    });
  }
  const prefix = spec.prefix === "" ? "" : `${spec.prefix}${spec.separator}`;
  return {
    catalog: { upstream: spec.name, prefix, prompts, resources, templates, hints },
    problems,
  };
}

/**
 * Merges the catalogs in upstream order: the first upstream to list a prompt name, a resource URI
 * or a URI template owns it; each clash is a problem naming both upstreams.
 */
export function mergeCatalogs(
  catalogs: readonly UpstreamCatalog[],
): { catalog: MergedCatalog; problems: string[] } {
  const problems: string[] = [];
  const promptByName = new Map<string, FederatedPrompt>();
  const resourceByUri = new Map<string, FederatedResource>();
  const templateByPattern = new Map<string, FederatedTemplate>();
  const hints = new Map<string, UpstreamCatalog["hints"]>();
  const prefixes = new Map<string, string>();
  function clash(kind: string, key: string, upstream: string, first: string): void {
    problems.push(
      `${kind} "${key}" of upstream "${upstream}" clashes with the same ${kind} from upstream "${first}"`,
    );
  }
  for (const catalog of catalogs) {
    hints.set(catalog.upstream, catalog.hints);
    prefixes.set(catalog.upstream, catalog.prefix);
    for (const prompt of catalog.prompts) {
      const first = promptByName.get(prompt.name);
      if (first !== undefined) clash("prompt", prompt.name, catalog.upstream, first.upstream);
      else promptByName.set(prompt.name, prompt);
    }
    for (const resource of catalog.resources) {
      const first = resourceByUri.get(resource.uri);
      if (first !== undefined) clash("resource", resource.uri, catalog.upstream, first.upstream);
      else resourceByUri.set(resource.uri, resource);
    }
    for (const template of catalog.templates) {
      const first = templateByPattern.get(template.uriTemplate);
      if (first !== undefined) {
        clash("resource template", template.uriTemplate, catalog.upstream, first.upstream);
      } else templateByPattern.set(template.uriTemplate, template);
    }
  }
  const templates = [...templateByPattern.values()];
  return {
    catalog: {
      prompts: [...promptByName.values()].sort((a, b) => compare(a.name, b.name)),
      resources: [...resourceByUri.values()].sort((a, b) => compare(a.uri, b.uri)),
      templates,
      templateList: [...templates].sort((a, b) => compare(a.uriTemplate, b.uriTemplate)),
      promptByName,
      resourceByUri,
      templateByPattern,
      hints,
      prefixes,
    },
    problems,
  };
}

/** The upstream a `resources/read` (or subscribe) of `uri` goes to: exact URI, else a template. */
export function routeUri(
  catalog: MergedCatalog,
  uri: string,
): { upstream: string; via: "resource" | "template" } | undefined {
  const exact = catalog.resourceByUri.get(uri);
  if (exact !== undefined) return { upstream: exact.upstream, via: "resource" };
  for (const template of catalog.templates) {
    if (template.match(uri) !== undefined) return { upstream: template.upstream, via: "template" };
  }
  return undefined;
}

/** An empty merged catalog (no upstream, or none listed yet). */
export const EMPTY_CATALOG: MergedCatalog = mergeCatalogs([]).catalog;

// Why `<`: code-unit order does not depend on the host's locale, as `localeCompare` would.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function objects(listed: readonly unknown[], key: string): JsonObject[] {
  return listed.filter((item): item is JsonObject =>
    typeof item === "object" && item !== null && !Array.isArray(item) &&
    typeof (item as JsonObject)[key] === "string" && (item as JsonObject)[key] !== ""
  );
}

function nameProblem(item: JsonObject): string | undefined {
  const name = item.name;
  if (typeof name !== "string" || name === "") return "name must be a non-empty string";
  if (name.length > MAX_NAME_LENGTH) {
    return `name is ${name.length} characters long: at most ${MAX_NAME_LENGTH}`;
  }
  return undefined;
}

function templateProblem(uriTemplate: string): string | undefined {
  try {
    new UriTemplate(uriTemplate);
    return undefined;
  } catch (error) {
    return `not a valid URI template: ${error instanceof Error ? error.message : String(error)}`;
  }
}
