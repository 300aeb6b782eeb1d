/**
 * A tiny REST API served under `/demo`, the backend of the example tools in `tools/`, so a fresh
 * machine with no network can make a real HTTP tool call. Disable with `demoApi: false`.
 */

import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { GatewayError } from "../errors.ts";

// Why `@ignore` on `DemoApp`: `deno doc --lint` (Deno 2.9) reports every npm type a public type
// names as a private-type-ref (denoland/deno#27364); see `HttpApp` in lib/http/app.ts.

/**
 * The demo routes as a Hono app, ready for `app.route("/demo", ...)`.
 * @ignore
 */
export type DemoApp = Hono;

/** What the demo API is built from. */
export interface DemoApiOptions {
  /**
   * Reads a request body as one JSON object; raises a `GatewayError` for a body it refuses.
   * Why injected: `lib/http` owns body reading (cap, deadline, UTF-8) and mounts this app, so the
   * demo gets the same reader as `/admin` without importing the folder that imports it.
   */
  readBody(request: Request): Promise<Record<string, unknown>>;
  /** The clock `/demo/time` answers with; default `new Date()`. */
  now?: () => Date;
}

/** Builds the demo routes: echo, tickets, time; raises nothing, refused bodies answer 4xx. */
export function createDemoApi(options: DemoApiOptions): DemoApp {
  const now = options.now ?? (() => new Date());
  const demo = new Hono();
  let nextTicket = 1;
  demo.get("/echo/:message", (c) => {
    const message = c.req.param("message");
    const upper = c.req.query("upper") === "true";
    return c.json({ message: upper ? message.toUpperCase() : message, upper });
  });
  demo.post("/tickets", async (c) => {
    let body: Record<string, unknown>;
    try {
      body = await options.readBody(c.req.raw);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      return c.json({ error: error.message }, error.mapping.http as ContentfulStatusCode);
    }
    return c.json({ id: `T-${nextTicket++}`, status: "open", ...body }, 201);
  });
  demo.get("/time", (c) => {
    const time = now();
    return c.json({ iso: time.toISOString(), epochMs: time.getTime() });
  });
  return demo;
}
