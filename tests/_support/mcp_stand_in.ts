/**
 * An MCP service stand-in for HTTP route tests: no SDK, no registry, just the `McpService` shape.
 */

import type { McpService } from "../../lib/mcp/mod.ts";

/** A stand-in whose `fetch` is `fetch` (default: 204, as a service that has nothing to say). */
export function standInMcp(
  fetch: McpService["fetch"] = () => Promise.resolve(new Response(null, { status: 204 })),
): McpService {
  return {
    fetch,
    toolsChanged: () => {},
    promptsChanged: () => {},
    resourcesChanged: () => {},
    resourceUpdated: () => {},
    taskStatus: () => {},
    recheckStreams: () => Promise.resolve(),
    drainStreams: () => {},
    openStreams: () => 0,
    close: () => Promise.resolve(),
  };
}
