/**
 * The HTTP surface: Hono app with the MCP endpoint, health probes and the demo API.
 */

export { type AppDeps, createApp } from "./app.ts";
export { type GuardOptions, isLoopbackAddress } from "./guard.ts";
