/**
 * The HTTP surface: Hono app with the MCP endpoint, health probes and the demo API.
 */

export { type AppDeps, type AppEnv, createApp } from "./app.ts";
export { type GuardOptions, isLoopbackAddress } from "./guard.ts";
