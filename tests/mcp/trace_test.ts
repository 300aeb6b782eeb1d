import assert from "node:assert/strict";
import { NO_REDACTION } from "../../lib/backends/mod.ts";
import { type TraceEvent, tracingFetch } from "../../lib/mcp/trace.ts";
import { startUpstream } from "../_support/upstream_server.ts";

Deno.test("tracingFetch reports the request redacted and the status, and sends it unchanged", async () => {
  const upstream = startUpstream();
  try {
    const events: TraceEvent[] = [];
    const redact = (text: string) => text.replaceAll("s3cret", "[redacted]");
    const traced = tracingFetch((event) => events.push(event), redact);
    const response = await traced(new URL(`${upstream.url}/echo/x?key=s3cret`), {
      method: "POST",
      headers: new Headers({ authorization: "Bearer s3cret", "content-type": "application/json" }),
      body: "{}",
    });
    const echoed = await response.json();
    assert.equal(echoed.headers.authorization, "Bearer s3cret");
    assert.deepEqual(echoed.query, { key: ["s3cret"] });
    assert.deepEqual(events, [
      {
        kind: "request",
        method: "POST",
        url: `${upstream.url}/echo/x?key=[redacted]`,
        headers: [["authorization", "Bearer [redacted]"], ["content-type", "application/json"]],
      },
      { kind: "response", status: 200 },
    ]);
  } finally {
    await upstream.close();
  }
});

Deno.test("NO_REDACTION (a call without a credential) leaves text as it is", () => {
  assert.equal(NO_REDACTION("Bearer abc"), "Bearer abc");
});
