import assert from "node:assert/strict";
import { executeMcp } from "../../../lib/backends/mcp/execute.ts";
import { createRedactor } from "../../../lib/credentials/redactor.ts";
import { GatewayError, isGatewayError } from "../../../lib/errors.ts";
import { silentLogger } from "../../../lib/log.ts";
import type { DownstreamCall, McpBackendSpec } from "../../../lib/registry/types.ts";

const DOWNSTREAM: DownstreamCall = {
  era: "modern",
  principalId: "alice",
  notify: () => Promise.resolve(),
  log: () => Promise.resolve(),
  accepts: { elicitation: false, sampling: false, roots: false },
};

/** A spec whose upstream call rejects with `error`; `outcomes` gets what the breaker was told. */
function failingSpec(error: unknown, outcomes: string[]): McpBackendSpec {
  return {
    kind: "mcp",
    upstream: "up",
    tool: "t",
    timeoutMs: 5_000,
    client: () => Promise.resolve({ callTool: () => Promise.reject(error) }),
    admit: () => Promise.resolve((outcome) => void outcomes.push(outcome)),
    relay: {
      call: (_downstream, options, send) => send({ signal: options.signal }),
      forwardsElsewhere: () => false,
    },
  };
}

async function failure(spec: McpBackendSpec, secret?: string): Promise<GatewayError> {
  const redact = createRedactor(secret === undefined ? [] : [secret]);
  const error = await executeMcp(spec, {}, {
    signal: new AbortController().signal,
    logger: silentLogger,
    egressOrigins: new Set(),
    downstream: DOWNSTREAM,
    ...(secret === undefined ? {} : { outboundAuth: { headers: [], query: [], redact } }),
  }).then(() => assert.fail("the call must fail"), (error: unknown) => error);
  assert.ok(isGatewayError(error), String(error));
  return error;
}

Deno.test("executeMcp() passes the upstream's relayed JSON-RPC error on, as an answer", async () => {
  const outcomes: string[] = [];
  const relayed = { code: -32021, message: "Needs sampling", data: { requiredCapabilities: {} } };
  const error = await failure(
    failingSpec(new GatewayError("UPSTREAM_REJECTED", "Upstream answered", { relayed }), outcomes),
  );
  assert.equal(error.code, "UPSTREAM_REJECTED");
  assert.deepEqual(error.relayed, relayed);
  assert.deepEqual(outcomes, ["success"], "an answer does not count against the breaker");
});

Deno.test("executeMcp() scrubs a credential the upstream echoed in its relayed error", async () => {
  const secret = "tok-9f8e7d6c5b4a";
  const relayed = { code: -32602, message: `Bad token ${secret}`, data: { token: secret } };
  const error = await failure(
    failingSpec(new GatewayError("UPSTREAM_REJECTED", `Upstream: ${secret}`, { relayed }), []),
    secret,
  );
  assert.equal(error.relayed?.code, -32602);
  assert.equal(error.relayed?.message, "Bad token [redacted]");
  assert.equal(error.relayed?.data, undefined);
  assert.ok(!error.message.includes(secret));
});

Deno.test("executeMcp() makes an unrelayed numeric-code error an UPSTREAM_ERROR tool result", async () => {
  const local = Object.assign(new Error("Structured content does not match"), { code: -32602 });
  const error = await failure(failingSpec(local, []));
  assert.equal(error.code, "UPSTREAM_ERROR");
  assert.equal(error.mapping.toolResult, true);
  assert.equal(error.relayed, undefined);
});

/** A spec whose relay forwards every call elsewhere with `forward`; `used` records what it took. */
function forwardingSpec(
  forward: (signal: AbortSignal) => Promise<unknown>,
  used: string[],
): McpBackendSpec {
  return {
    kind: "mcp",
    upstream: "up",
    tool: "t",
    timeoutMs: 50,
    client: () => {
      used.push("client");
      return Promise.reject(new Error("no client here"));
    },
    admit: () => {
      used.push("admit");
      return Promise.resolve(() => {});
    },
    relay: {
      call: (_downstream, options) => forward(options.signal),
      forwardsElsewhere: () => true,
    },
  };
}

const EXECUTE = {
  logger: silentLogger,
  egressOrigins: new Set<string>(),
  downstream: DOWNSTREAM,
};

Deno.test("executeMcp() forwards a retry parked elsewhere without admission or a client", async () => {
  const used: string[] = [];
  const result = { content: [{ type: "text", text: "from the holder" }] };
  const outcome = await executeMcp(forwardingSpec(() => Promise.resolve(result), used), {}, {
    ...EXECUTE,
    signal: new AbortController().signal,
  });
  assert.deepEqual(outcome.result, result);
  assert.deepEqual(used, []);
});

Deno.test("executeMcp() bounds a forwarded retry by the upstream's timeout", async () => {
  const used: string[] = [];
  const never = (signal: AbortSignal) =>
    new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
  const error = await executeMcp(forwardingSpec(never, used), {}, {
    ...EXECUTE,
    signal: new AbortController().signal,
  }).then(() => assert.fail("the call must fail"), (error: unknown) => error);
  assert.ok(isGatewayError(error), String(error));
  assert.equal(error.code, "UPSTREAM_TIMEOUT");
  assert.deepEqual(used, []);
});
