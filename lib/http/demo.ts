/**
 * A tiny REST API served under `/demo`, the backend of the example tools in `tools/`, so a fresh
 * machine with no network can make a real HTTP tool call. Disable with `demoApi: false`. Bodies go
 * through the same capped reader as `/admin` (64 KiB).
 */

import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { GatewayError } from "../errors.ts";
import { API_BODY_DEADLINE_MS, API_MAX_BODY_BYTES, readJsonObject } from "./body.ts";

/** Builds the demo routes: echo, tickets, time. */
export function createDemoApi(now: () => Date = () => new Date()): Hono {
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
      body = await readJsonObject(c.req.raw, API_MAX_BODY_BYTES, {
        deadlineMs: API_BODY_DEADLINE_MS,
      });
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
