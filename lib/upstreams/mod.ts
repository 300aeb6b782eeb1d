/**
 * Upstream MCP servers. Today: supervised stdio children (one process group per upstream, shared
 * by every caller, restarted with capped backoff, reaped on close and on gateway exit).
 *
 * @module
 */

export {
  type Client,
  type StdioUpstreamSpec,
  type SuperviseOptions,
  superviseStdio,
  type UpstreamConnection,
  type UpstreamState,
  type UpstreamStatus,
} from "./stdio_supervisor.ts";
export { MAX_STDERR_LINE } from "./stderr_log.ts";
