/**
 * The SDK client every upstream connection (HTTP and stdio) is built with: either protocol era,
 * and the upstream's change notifications wired to the gateway's hooks. On a 2026-07-28 upstream
 * the SDK opens one `subscriptions/listen` stream for the list changes configured here; on a 2025
 * upstream they arrive as unsolicited notifications. Both reach the same handlers.
 */

import { Client } from "@modelcontextprotocol/client";
import { SERVER_NAME, VERSION } from "../version.ts";
import { captureTaskResults } from "./tasks_capture.ts";
import { cacheResultValidators } from "./result_validators.ts";
// Why this alias: `deno doc --lint` sees the SDK class as public only through stdio_supervisor.ts.
import type { Client as UpstreamClient } from "./stdio_supervisor.ts";

/** What an upstream tells the gateway without being asked. */
export interface UpstreamNotices {
  /** `notifications/tools/list_changed`. */
  onToolsChanged?: () => void;
  /** `notifications/prompts/list_changed`. */
  onPromptsChanged?: () => void;
  /** `notifications/resources/list_changed` (resources and resource templates). */
  onResourcesChanged?: () => void;
  /** `notifications/resources/updated` for a URI the gateway subscribed to. */
  onResourceUpdated?: (uri: string) => void;
  /** Called with each new client before it connects (the relay installs its handlers). */
  onClient?: (client: UpstreamClient) => void;
}

/**
 * A new, unconnected upstream client negotiating either era (`probeTimeoutMs` bounds the
 * 2026-07-28 probe), with `notices` wired. Raises nothing.
 */
export function createUpstreamClient(
  notices: UpstreamNotices,
  options: { probeTimeoutMs?: number } = {},
): Client {
  const listChanged = (notify: (() => void) | undefined) => ({
    autoRefresh: false,
    debounceMs: 50,
    onChanged: () => notify?.(),
  });
  const client = new Client({ name: SERVER_NAME, version: VERSION }, {
    versionNegotiation: options.probeTimeoutMs === undefined
      ? { mode: "auto" }
      : { mode: "auto", probe: { timeoutMs: options.probeTimeoutMs } },
    listChanged: {
      tools: listChanged(notices.onToolsChanged),
      ...(notices.onPromptsChanged ? { prompts: listChanged(notices.onPromptsChanged) } : {}),
      ...(notices.onResourcesChanged ? { resources: listChanged(notices.onResourcesChanged) } : {}),
    },
  });
  cacheResultValidators(client);
  const updated = notices.onResourceUpdated;
  if (updated !== undefined) {
    client.setNotificationHandler("notifications/resources/updated", (notification) => {
      updated(notification.params.uri);
    });
  }
  notices.onClient?.(client);
  captureTaskResults(client);
  return client;
}
