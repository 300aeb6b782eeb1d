/**
 * What every SDK server instance of the gateway declares (`server_factory.ts`), and what the
 * direct path (`direct_handshake.ts`) answers `initialize` and `server/discover` with: one
 * source, so the two cannot drift apart.
 */

import type { ServerCapabilities } from "@modelcontextprotocol/server";
import { CORE_TASKS_CAPABILITY } from "./core_task_handlers.ts";
import { TASKS_CAPABILITY } from "./task_handlers.ts";

/** The instructions every server instance sends. */
export const INSTRUCTIONS =
  "Nexus gateway: every tool listed here is routed to an enterprise backend.";

/**
 * The capabilities of a server instance serving `era` (undefined: built without a request
 * context, which declares neither era's tasks). A fresh object each time: the SDK copies and may
 * extend it.
 */
export function serverCapabilities(era: "legacy" | "modern" | undefined): ServerCapabilities {
  return {
    // Why logging: federated tools relay their upstream's log messages to the caller.
    logging: {},
    tools: { listChanged: true },
    prompts: { listChanged: true },
    resources: { subscribe: true, listChanged: true },
    completions: {},
    // Why 2026-07-28 only: the extension is relayed for that era; a server may declare it and
    // still answer every call at once (task creation is per request).
    ...(era === "modern" ? { extensions: TASKS_CAPABILITY } : {}),
    // Why 2025 only: a 2026-07-28 client reads tasks from the extension above (over stdio too,
    // where the connection's era picks the instance).
    ...(era === "legacy" ? { tasks: CORE_TASKS_CAPABILITY } : {}),
  };
}
