/** W3C `traceparent` at the edge: valid headers are continued, anything else starts a new trace. */

import assert from "node:assert/strict";
import { parseTraceparent, requestContextFor } from "../../lib/http/trace.ts";
import { createLogger, propagateTrace, runWithRequestContext } from "../../lib/log.ts";

const VALID = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

Deno.test("parseTraceparent() accepts the spec's example and refuses invalid headers", () => {
  assert.deepEqual(parseTraceparent(VALID), {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    parentId: "00f067aa0ba902b7",
    flags: "01",
  });
  for (
    const invalid of [
      null,
      "",
      "garbage",
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      `${VALID}-extra`,
    ]
  ) {
    assert.equal(parseTraceparent(invalid), undefined, String(invalid));
  }
});

Deno.test("requestContextFor() continues the client's trace with a span of its own", () => {
  const context = requestContextFor(new Request("http://x/", { headers: { traceparent: VALID } }));
  assert.equal(context.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
  const onwards = parseTraceparent(context.traceparent);
  assert.equal(onwards?.traceId, context.traceId);
  assert.notEqual(onwards?.parentId, "00f067aa0ba902b7");
  const fresh = requestContextFor(new Request("http://x/"));
  assert.match(fresh.traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(fresh.traceId, context.traceId);
});

Deno.test("inside a request context log lines carry its ids and outbound headers its traceparent", async () => {
  const lines: string[] = [];
  const logger = createLogger({ sink: (line) => lines.push(line) });
  const context = requestContextFor(new Request("http://x/", { headers: { traceparent: VALID } }));
  const headers = new Headers();
  await runWithRequestContext(context, async () => {
    await Promise.resolve();
    logger.info("inside");
    propagateTrace(headers);
  });
  logger.info("outside");
  const [inside, outside] = lines.map((line) => JSON.parse(line));
  assert.equal(inside.requestId, context.requestId);
  assert.equal(inside.traceId, context.traceId);
  assert.equal(outside.requestId, undefined);
  assert.equal(headers.get("traceparent"), context.traceparent);
  const own = new Headers({ traceparent: VALID });
  runWithRequestContext(context, () => propagateTrace(own));
  assert.equal(own.get("traceparent"), VALID, "a header the tool sets is kept");
});
