/**
 * Changes that reach an instance's clients from elsewhere: federated prompt and resource list
 * changes and resource updates (delivered to one transport), and upstream pins approved on
 * another instance (the upstream listed again here).
 */

import type { Logger } from "../log.ts";
import type { StdioService } from "../mcp/mod.ts";
import type { GatewayParts } from "./parts.ts";

/**
 * Lists `upstream` again against the store's pins after an approval on another instance, so its
 * approved tools are served here too; a changed list notifies this instance's clients (and is
 * announced as any tool change is). Raises nothing.
 */
export function relistApproved(parts: GatewayParts, upstream: string, logger: Logger): void {
  logger.info("Listing an upstream again: pins approved on another instance", { upstream });
  parts.registry.upstreams.refresh(upstream).catch((error) =>
    logger.error("Cannot list an upstream again after an approval elsewhere", { upstream, error })
  );
}

/** A change of the federated prompts or resources, or an update of one subscribed resource. */
export type CatalogEvent =
  | { kind: "lists"; prompts: boolean; resources: boolean }
  | { kind: "updated"; uri: string };

/** Tells one transport's clients of a catalog change. */
export function deliverCatalogEvent(
  target: Pick<StdioService, "promptsChanged" | "resourcesChanged" | "resourceUpdated">,
  event: CatalogEvent,
): void {
  if (event.kind === "updated") return target.resourceUpdated(event.uri);
  if (event.prompts) target.promptsChanged();
  if (event.resources) target.resourcesChanged();
}
