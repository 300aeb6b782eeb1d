/**
 * Listing one upstream's prompts, resources and resource templates: every page, the whole listing
 * bounded by the upstream's timeout, and the 2026-07-28 cache hints of each list kept.
 */

import type { Client } from "@modelcontextprotocol/client";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { UpstreamSpec } from "../upstream_spec/mod.ts";
import { federateCatalog, type ListHint, type UpstreamCatalog } from "./catalog.ts";
import type { UpstreamConnection } from "./connection.ts";

/** What one upstream listed, raw, with the hints it sent. */
export interface CatalogListing {
  /** `prompts/list` items (empty when the upstream offers no prompts). */
  prompts: unknown[];
  /** `resources/list` items (empty when the upstream offers no resources). */
  resources: unknown[];
  /** `resources/templates/list` items. */
  templates: unknown[];
  /** The cache hint of each list the upstream sent one with. */
  hints: { prompts?: ListHint; resources?: ListHint; templates?: ListHint };
}

/**
 * Lists every page of the three lists the upstream's capabilities offer, within `timeoutMs`.
 * @throws GatewayError UPSTREAM_TIMEOUT when the listing took longer; the SDK's errors otherwise.
 */
export async function listCatalog(client: Client, timeoutMs: number): Promise<CatalogListing> {
  const capabilities = client.getServerCapabilities() ?? {};
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  // Why bypass: the gateway keeps the lists itself and re-lists on list_changed; the SDK's own
  // response cache would answer a re-list from memory within the upstream's TTL.
  const options = { timeout: timeoutMs, signal: deadline.signal, cacheMode: "bypass" as const };
  try {
    const [prompts, resources, templates] = await Promise.all([
      capabilities.prompts ? client.listPrompts(undefined, options) : undefined,
      capabilities.resources ? client.listResources(undefined, options) : undefined,
      capabilities.resources ? client.listResourceTemplates(undefined, options) : undefined,
    ]);
    const hints: CatalogListing["hints"] = {};
    const promptHint = hintOf(prompts);
    const resourceHint = hintOf(resources);
    const templateHint = hintOf(templates);
    if (promptHint) hints.prompts = promptHint;
    if (resourceHint) hints.resources = resourceHint;
    if (templateHint) hints.templates = templateHint;
    return {
      prompts: prompts?.prompts ?? [],
      resources: resources?.resources ?? [],
      templates: templates?.resourceTemplates ?? [],
      hints,
    };
  } catch (error) {
    if (deadline.signal.aborted) {
      throw new GatewayError(
        "UPSTREAM_TIMEOUT",
        `Cannot list prompts and resources: no answer within ${timeoutMs} ms`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The `ttlMs`/`cacheScope` a 2026-07-28 list result carries, read off the runtime body. */
export function hintOf(result: unknown): ListHint | undefined {
  if (typeof result !== "object" || result === null) return undefined;
  const { ttlMs, cacheScope } = result as { ttlMs?: unknown; cacheScope?: unknown };
  const hint: ListHint = {};
  if (typeof ttlMs === "number" && Number.isSafeInteger(ttlMs) && ttlMs >= 0) hint.ttlMs = ttlMs;
  if (cacheScope === "public" || cacheScope === "private") hint.cacheScope = cacheScope;
  return Object.keys(hint).length === 0 ? undefined : hint;
}

/**
 * One upstream's catalog listed and federated; undefined (with a warning) when it cannot be
 * listed. Entries that break a naming rule are left out, each with a warning.
 */
export async function listUpstreamCatalog(
  spec: UpstreamSpec,
  connection: UpstreamConnection,
  logger: Logger,
): Promise<UpstreamCatalog | undefined> {
  try {
    const client = await connection.client();
    const listing = await listCatalog(client, spec.timeoutMs);
    const federated = federateCatalog(spec, listing, listing.hints);
    for (const problem of federated.problems) logger.warn(`Upstream problem: ${problem}`);
    return federated.catalog;
  } catch (error) {
    logger.warn("Upstream prompts and resources left out: cannot list them", {
      upstream: spec.name,
      error: connection.state().lastError ??
        (error instanceof Error ? error.message : String(error)),
    });
    return undefined;
  }
}

/** The catalog of an upstream before its first listing (or while it cannot be listed). */
export function emptyCatalog(spec: UpstreamSpec): UpstreamCatalog {
  const prefix = spec.prefix === "" ? "" : `${spec.prefix}${spec.separator}`;
  return { upstream: spec.name, prefix, prompts: [], resources: [], templates: [], hints: {} };
}

/** Which lists a client would see change between two listings of one upstream. */
export function catalogChanges(
  before: UpstreamCatalog,
  after: UpstreamCatalog,
): { prompts: boolean; resources: boolean } {
  const prompts = (catalog: UpstreamCatalog) =>
    JSON.stringify(catalog.prompts.map((item) => item.descriptor));
  const resources = (catalog: UpstreamCatalog) =>
    JSON.stringify([
      catalog.resources.map((item) => item.descriptor),
      catalog.templates.map((item) => item.descriptor),
    ]);
  return {
    prompts: prompts(before) !== prompts(after),
    resources: resources(before) !== resources(after),
  };
}
