/**
 * The credential stage inside the real call pipeline, against a real vault (embedded store) and a
 * local upstream that accepts only some tokens.
 */

import assert from "node:assert/strict";
import { anonymousPrincipal } from "../../lib/auth/mod.ts";
import {
  createVault,
  generateMasterKey,
  loadKeyring,
  type Vault,
} from "../../lib/credentials/mod.ts";
import { createLogger } from "../../lib/log.ts";
import { type CallRecord, createCredentialStage, NO_HOOKS } from "../../lib/mcp/mod.ts";
import { callTool } from "../../lib/mcp/call_pipeline.ts";
import { type ToolDefinition } from "../../lib/registry/mod.ts";
import { buildSnapshot } from "../../lib/registry/snapshot.ts";
import { Secret } from "../../lib/secret.ts";
import { startUpstream, type Upstream } from "../_support/upstream_server.ts";
import { openTestStore } from "../store/_stores.ts";

function tool(upstream: Upstream, auth?: string): ToolDefinition {
  return {
    name: "call_api",
    description: "test",
    inputSchema: { type: "object" },
    ...(auth === undefined ? {} : { auth }),
    backend: {
      kind: "http",
      method: "GET",
      url: `${upstream.url}/api`,
      query: {},
      headers: {},
      timeoutMs: 5000,
      response: { maxBytes: 10_000 },
    },
    source: { file: "test", line: 1 },
    checkInput: () => [],
  };
}

/** An upstream that accepts `accepted` bearer tokens and echoes the header it got. */
function api(accepted: Set<string>): Upstream {
  return startUpstream({
    routes: {
      "/api": (request) => {
        const header = request.headers.get("authorization") ?? "";
        const ok = accepted.has(header.replace(/^Bearer /, ""));
        return Response.json({ ok, sawHeader: header }, { status: ok ? 200 : 401 });
      },
    },
  });
}

async function call(vault: Vault | undefined, definition: ToolDefinition, lines: string[] = []) {
  const records: CallRecord[] = [];
  const result = await callTool(buildSnapshot([definition], 1), { name: "call_api" }, {
    caller: { principal: anonymousPrincipal("127.0.0.1"), server: "default" },
    signal: new AbortController().signal,
    logger: createLogger({ sink: (line) => lines.push(line) }),
    requestId: "req-7",
    hooks: {
      ...NO_HOOKS,
      stages: [createCredentialStage(vault)],
      onFinished: (r) => records.push(r),
    },
  });
  return { result, record: records[0]! };
}

Deno.test("credential stage injects the active version and records name and version", async () => {
  await using store = await openTestStore("sqlite");
  const keyring = await loadKeyring({ masterKey: new Secret(generateMasterKey()) });
  const vault = createVault({ repo: store.credentials, keyring });
  await vault.set({
    name: "jira",
    kind: "bearer",
    settings: {},
    secretText: "tok-good-1",
    actor: "t",
  });
  const upstream = api(new Set(["tok-good-1"]));
  try {
    const { result, record } = await call(vault, tool(upstream, "jira"));
    assert.equal(result.isError, undefined);
    assert.deepEqual(result.structuredContent, { ok: true, sawHeader: "[redacted]" });
    assert.deepEqual(record.facts.credential, { name: "jira", version: 1 });
    const plain = await call(vault, tool(upstream));
    assert.equal(plain.result.isError, true, "no credential, no header");
  } finally {
    await upstream.close();
  }
});

Deno.test("credential stage retries once with the previous version after a 401 during grace", async () => {
  await using store = await openTestStore("sqlite");
  const keyring = await loadKeyring({ masterKey: new Secret(generateMasterKey()) });
  const lines: string[] = [];
  const logger = createLogger({ sink: (line) => lines.push(line) });
  const vault = createVault({ repo: store.credentials, keyring, logger });
  await vault.set({
    name: "jira",
    kind: "bearer",
    settings: {},
    secretText: "tok-old-1",
    actor: "t",
    graceMs: 60_000,
  });
  await vault.rotate({ name: "jira", secretText: "tok-new-2", actor: "t" });
  const upstream = api(new Set(["tok-old-1"]));
  try {
    const { result, record } = await call(vault, tool(upstream, "jira"), lines);
    assert.equal(result.isError, undefined, JSON.stringify(result));
    assert.deepEqual(record.facts.credential, { name: "jira", version: 1 });
    assert.equal(record.facts.backendStatus, 200, "the retry's status, not the 401");
    assert.equal(upstream.hits("/api"), 2);
    assert.ok(lines.some((l) => l.includes("Retrying with the previous credential version")));
    assert.ok(!lines.join("\n").includes("tok-"), "a token reached the log");
  } finally {
    await upstream.close();
  }
});

Deno.test("credential stage hides a missing credential behind an INTERNAL error with the request id", async () => {
  await using store = await openTestStore("sqlite");
  const vault = createVault({ repo: store.credentials, keyring: undefined });
  const upstream = api(new Set());
  try {
    const lines: string[] = [];
    await assert.rejects(() => call(vault, tool(upstream, "nope"), lines), (error: Error) => {
      assert.equal(error.message, "Internal error: see gateway log for request req-7");
      return true;
    });
    const logged = lines.map((l) => JSON.parse(l)).find((r) =>
      r.msg === "Cannot resolve the tool's credential"
    );
    assert.equal(logged?.credential, "nope");
    assert.equal(upstream.hits(), 0, "nothing was sent without the credential");
  } finally {
    await upstream.close();
  }
});

Deno.test("credential stage without a vault fails closed: nothing is sent unauthenticated", async () => {
  const upstream = api(new Set());
  try {
    await assert.rejects(() => call(undefined, tool(upstream, "jira")), /Internal error/);
    assert.equal(upstream.hits(), 0);
  } finally {
    await upstream.close();
  }
});
