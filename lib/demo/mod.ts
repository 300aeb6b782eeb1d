/**
 * The demo upstream: a tiny REST API the example tools in `tools/` call, mounted by `lib/http`
 * under `/demo` so a fresh machine with no network can make a real HTTP tool call.
 */

/** `createDemoApi()` builds the `/demo` routes (echo, tickets, time); raises nothing. */
export { createDemoApi, type DemoApiOptions } from "./demo_api.ts";
