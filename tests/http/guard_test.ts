import assert from "node:assert/strict";
import { createRequestGuard } from "../../lib/http/guard.ts";

function request(headers: Record<string, string>): Request {
  return new Request("http://127.0.0.1:8080/mcp", { method: "POST", headers });
}

Deno.test("createRequestGuard() rejects a foreign Origin on a loopback gateway", () => {
  const check = createRequestGuard({ allowedOrigins: [], allowedHosts: [], loopback: true });
  const error = check(request({ host: "127.0.0.1:8080", origin: "http://evil.example.com" }));
  assert.equal(error?.code, "ORIGIN_FORBIDDEN");
  assert.equal(error?.mapping.http, 403);
});

Deno.test("createRequestGuard() rejects a foreign Host (DNS rebinding) on a loopback gateway", () => {
  const check = createRequestGuard({ allowedOrigins: [], allowedHosts: [], loopback: true });
  assert.equal(check(request({ host: "evil.example.com" }))?.code, "ORIGIN_FORBIDDEN");
  assert.equal(check(request({ host: "localhost:8080" })), undefined);
  assert.equal(check(request({ host: "[::1]:8080" })), undefined);
});

Deno.test("createRequestGuard() allows requests without Origin (non-browser clients)", () => {
  const check = createRequestGuard({ allowedOrigins: [], allowedHosts: [], loopback: true });
  assert.equal(check(request({ host: "127.0.0.1:8080" })), undefined);
});

Deno.test("createRequestGuard() rejects the opaque null origin", () => {
  const check = createRequestGuard({ allowedOrigins: [], allowedHosts: [], loopback: true });
  assert.ok(check(request({ host: "127.0.0.1", origin: "null" })));
});

Deno.test("createRequestGuard() allows a configured origin exactly, not its siblings", () => {
  const check = createRequestGuard({
    allowedOrigins: ["https://app.example.com"],
    allowedHosts: ["gw.example.com"],
    loopback: false,
  });
  const host = "gw.example.com";
  assert.equal(check(request({ host, origin: "https://app.example.com" })), undefined);
  assert.ok(check(request({ host, origin: "http://app.example.com" })));
  assert.ok(check(request({ host, origin: "https://app.example.com.evil.io" })));
  assert.ok(check(request({ host: "other.example.com" })));
});
