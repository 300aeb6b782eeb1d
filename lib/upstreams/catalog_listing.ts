/**
 * Listing one upstream's prompts, resources and resource templates: every page, the whole listing
 * bounded by the upstream's timeout, and the 2026-07-28 cache hints of each list kept.
 */

import type { Client } from "@modelcontextprotocol/client";
import { GatewayError } from "../errors.ts";
import type { ListHint } from "./catalog.ts";

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
