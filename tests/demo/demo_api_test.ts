/**
 * The demo upstream through its Hono app (`app.request`): echo, tickets, time, and a refused body
 * answered with the status of the reader's `GatewayError`.
 */

import assert from "node:assert/strict";
import { createDemoApi } from "../../lib/demo/mod.ts";
import { API_BODY_DEADLINE_MS, readJsonObject } from "../../lib/http/body.ts";

function readSmall(request: Request): Promise<Record<string, unknown>> {
  return readJsonObject(request, 64, { deadlineMs: API_BODY_DEADLINE_MS });
}

function postTicket(body: string): Request {
  return new Request("http://localhost/tickets", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
}

Deno.test("createDemoApi() echoes a message, upper-cased on request", async () => {
  const demo = createDemoApi({ readBody: readSmall });
  const plain = await demo.request("/echo/hello");
  assert.deepEqual(await plain.json(), { message: "hello", upper: false });
  const upper = await demo.request("/echo/hello?upper=true");
  assert.deepEqual(await upper.json(), { message: "HELLO", upper: true });
});

Deno.test("createDemoApi() opens numbered tickets holding the posted fields", async () => {
  const demo = createDemoApi({ readBody: readSmall });
  const first = await demo.request(postTicket(`{"title":"a"}`));
  assert.equal(first.status, 201);
  assert.deepEqual(await first.json(), { id: "T-1", status: "open", title: "a" });
  const second = await demo.request(postTicket(`{"title":"b"}`));
  assert.deepEqual(await second.json(), { id: "T-2", status: "open", title: "b" });
});

Deno.test("createDemoApi() answers a refused ticket body with the reader's status", async () => {
  const demo = createDemoApi({ readBody: readSmall });
  const tooLarge = await demo.request(postTicket(JSON.stringify({ title: "x".repeat(100) })));
  assert.equal(tooLarge.status, 413);
  assert.match((await tooLarge.json()).error, /too large/i);
  const notObject = await demo.request(postTicket(`[1]`));
  assert.equal(notObject.status, 400);
  const next = await demo.request(postTicket(`{}`));
  assert.deepEqual(await next.json(), { id: "T-1", status: "open" });
});

Deno.test("createDemoApi() tells the time of its injected clock", async () => {
  const at = new Date("2026-01-02T03:04:05.000Z");
  const demo = createDemoApi({ readBody: readSmall, now: () => at });
  const response = await demo.request("/time");
  assert.deepEqual(await response.json(), { iso: at.toISOString(), epochMs: at.getTime() });
});
