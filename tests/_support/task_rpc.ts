/** Raw 2026-07-28 JSON-RPC over HTTP as one client, for the tasks-extension e2e tests. */

import { bearerFetch } from "./auth_fixtures.ts";
import { readRpcResponse, rpcBody, rpcHeaders } from "./gateway.ts";

const MODERN = "2026-07-28";

/** Sends one request and reads its JSON-RPC response. */
export type TaskRpc = (
  method: string,
  params: Record<string, unknown>,
) => Promise<Record<string, unknown>>;

/**
 * Posts numbered 2026-07-28 requests to `mcpUrl` as the holder of `token`; a request naming a
 * `taskId` carries it in `Mcp-Name` as well.
 */
export function taskRpcClient(mcpUrl: string, token: string): TaskRpc {
  let id = 0;
  const authed = bearerFetch(token);
  return async (method, params) => {
    const message = { id: ++id, method, params };
    const headers = rpcHeaders(MODERN, message);
    if (typeof params.taskId === "string") headers["mcp-name"] = params.taskId;
    const response = await authed(mcpUrl, {
      method: "POST",
      headers,
      body: JSON.stringify(rpcBody(MODERN, message)),
    });
    return await readRpcResponse(response);
  };
}

/** The request `_meta` of a client that declares the tasks extension among its capabilities. */
export const DECLARING_TASKS = {
  "io.modelcontextprotocol/clientCapabilities": {
    extensions: { "io.modelcontextprotocol/tasks": {} },
  },
};
