import assert from "node:assert/strict";
import {
  ERROR_TABLE,
  GatewayError,
  RATE_LIMITED_JSON_RPC_CODE,
  toClientError,
} from "../lib/errors.ts";

Deno.test("toClientError() hides an internal fault's text behind INTERNAL and a request id", () => {
  const error = toClientError(new Error("db password is hunter2"), "req-1");
  assert.equal(error.code, "INTERNAL");
  assert.equal(error.mapping.jsonRpc, -32603);
  assert.ok(!error.message.includes("hunter2"));
  assert.match(error.message, /req-1/);
});

Deno.test("toClientError() passes a GatewayError through unchanged", () => {
  const original = new GatewayError("NOT_FOUND", 'Unknown tool: "x"');
  assert.equal(toClientError(original, "r"), original);
});

Deno.test("ERROR_TABLE never reports an internal fault as the client's invalid params", () => {
  assert.notEqual(ERROR_TABLE.INTERNAL.jsonRpc, -32602);
  assert.notEqual(ERROR_TABLE.INVALID_TOOL.jsonRpc, -32602);
  assert.ok(RATE_LIMITED_JSON_RPC_CODE <= -32002 && RATE_LIMITED_JSON_RPC_CODE >= -32099);
});

Deno.test("ERROR_TABLE makes upstream failures tool results and protocol faults errors", () => {
  assert.equal(ERROR_TABLE.UPSTREAM_ERROR.toolResult, true);
  // Why: an upstream MCP server's JSON-RPC error is relayed as a JSON-RPC error, as it was sent.
  assert.equal(ERROR_TABLE.UPSTREAM_REJECTED.toolResult, false);
  assert.equal(ERROR_TABLE.UPSTREAM_TIMEOUT.toolResult, true);
  assert.equal(ERROR_TABLE.INVALID_INPUT.toolResult, true);
  assert.equal(ERROR_TABLE.NOT_FOUND.toolResult, false);
  assert.equal(ERROR_TABLE.PARSE_ERROR.jsonRpc, -32700);
});
