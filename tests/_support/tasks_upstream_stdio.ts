/**
 * The tasks upstream (`tasks_upstream.ts`) served on stdin/stdout, for a stdio upstream of the
 * gateway: `deno run tests/_support/tasks_upstream_stdio.ts`. Cancelled task ids go to stderr
 * (`cancelled <id>`), which the gateway logs.
 */

import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { buildTasksServer, createTasksState } from "./tasks_upstream.ts";

const state = createTasksState();
const cancelled = state.cancelled;
cancelled.push = (...ids: string[]) => {
  const encoder = new TextEncoder();
  for (const id of ids) Deno.stderr.writeSync(encoder.encode(`cancelled ${id}\n`));
  return Array.prototype.push.apply(cancelled, ids);
};
serveStdio(() => buildTasksServer(state));
