/**
 * A tiny REST API served under `/demo`, the backend of the example tools in `tools/`, so a fresh
 * machine with no network can make a real HTTP tool call. Disable with `demoApi: false`.
 */

import { Hono } from "hono";

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
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: "body must be JSON" }, 400);
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      return c.json({ error: "body must be a JSON object" }, 400);
    }
    return c.json({ id: `T-${nextTicket++}`, status: "open", ...body }, 201);
  });
  demo.get("/time", (c) => {
    const time = now();
    return c.json({ iso: time.toISOString(), epochMs: time.getTime() });
  });
  return demo;
}
