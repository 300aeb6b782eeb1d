/**
 * Notification streams of the real gateway (2025 `GET /mcp` and 2026 `subscriptions/listen`):
 * one client at its cap is refused while another still gets streams, and a stream ends when its
 * key is revoked (through the admin API, or by another process) or expires, or its JWT expires.
 */

import assert from "node:assert/strict";
import { createClientKey, runNexus } from "../_support/auth_fixtures.ts";
import {
  createGatewayToolsDir,
  type Gateway,
  rpcBody,
  rpcHeaders,
  startGateway,
} from "../_support/gateway.ts";
import { startOidcProvider } from "../_support/oidc_provider.ts";
import { issueApiKey } from "../../lib/auth/mod.ts";
import { openStore } from "../../lib/store/mod.ts";

const RECHECK_MS = 300;
/** The API key lookup cache of another process (lib/auth/api_keys.ts) plus scheduling slack. */
const OTHER_PROCESS_BOUND_MS = RECHECK_MS + 2000 + 1500;

type Kind = "2025 GET" | "2026 listen";

/** An open notification stream and the moment it ended, if it did. */
interface OpenStream {
  status: number;
  ended: Promise<number>;
  cancel(): Promise<void>;
}

async function openStream(gateway: Gateway, kind: Kind, token: string): Promise<OpenStream> {
  const authorization = `Bearer ${token}`;
  const response = kind === "2025 GET"
    ? await fetch(gateway.mcpUrl, {
      headers: { accept: "text/event-stream", "mcp-protocol-version": "2025-11-25", authorization },
    })
    : await fetch(gateway.mcpUrl, {
      method: "POST",
      headers: { ...listenHeaders(), authorization },
      body: JSON.stringify(listenBody()),
    });
  const streaming = response.status === 200 &&
    (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
  if (!streaming) {
    await response.body?.cancel();
    // Why 0 for a 200 that is no stream: the SDK refuses a listen in-band (JSON-RPC error).
    return {
      status: response.status === 200 ? 0 : response.status,
      ended: Promise.resolve(performance.now()),
      cancel: () => Promise.resolve(),
    };
  }
  const reader = response.body!.getReader();
  await reader.read(); // the stream's first frame: it is open
  const ended = (async () => {
    while (!(await reader.read().catch(() => ({ done: true }))).done) {
      // Why: keep reading until the server ends the stream.
    }
    return performance.now();
  })();
  return { status: 200, ended, cancel: () => reader.cancel().catch(() => {}) };
}

function listenBody() {
  return rpcBody("2026-07-28", {
    id: 1,
    method: "subscriptions/listen",
    params: { notifications: { toolsListChanged: true } },
  });
}

function listenHeaders(): Record<string, string> {
  return rpcHeaders("2026-07-28", { method: "subscriptions/listen" });
}

/** Milliseconds from `since` until `stream` ended, or undefined when open at `maxMs`. */
async function endedWithin(stream: OpenStream, since: number, maxMs: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), maxMs);
  });
  const at = await Promise.race([stream.ended, timeout]);
  clearTimeout(timer);
  return at === undefined ? undefined : at - since;
}

async function withKeys(
  names: string[],
  run: (keys: Record<string, string>, env: Record<string, string>) => Promise<void>,
): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-streams-" });
  const env = { NEXUS_DATA_DIR: dataDir };
  try {
    const keys: Record<string, string> = {};
    for (const name of names) {
      keys[name] = await createClientKey(name, env, name === "ops" ? ["--admin"] : []);
    }
    await run(keys, env);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

const KINDS: Kind[] = ["2025 GET", "2026 listen"];

Deno.test("one client at its stream cap is refused; another client still gets streams", async () => {
  await withKeys(["alice", "bob"], async (keys, env) => {
    await using tools = await createGatewayToolsDir();
    await using gateway = await startGateway({
      toolsDir: tools.dir,
      env: { ...env, NEXUS_MAX_CLIENT_STREAMS: "2" },
    });
    const held = [
      await openStream(gateway, "2025 GET", keys.alice!),
      await openStream(gateway, "2026 listen", keys.alice!),
    ];
    assert.deepEqual(held.map((stream) => stream.status), [200, 200]);
    for (const kind of KINDS) {
      const refused = await openStream(gateway, kind, keys.alice!);
      assert.equal(refused.status, 429, `${kind}: alice's third stream`);
    }
    const others = [];
    for (const kind of KINDS) {
      const stream = await openStream(gateway, kind, keys.bob!);
      assert.equal(stream.status, 200, `${kind}: bob's stream`);
      others.push(stream);
    }
    // A stream the client closes frees its slot.
    await held[0]!.cancel();
    let again: OpenStream;
    const deadline = Date.now() + 5000;
    while ((again = await openStream(gateway, "2025 GET", keys.alice!)).status !== 200) {
      assert.ok(Date.now() < deadline, "the closed stream's slot was not freed");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const stream of [...held, ...others, again]) await stream.cancel();
  });
});

Deno.test("streams end when their key is revoked, here or by another process", async () => {
  await withKeys(["alice", "bob", "carol", "ops"], async (keys, env) => {
    await using tools = await createGatewayToolsDir();
    await using gateway = await startGateway({
      toolsDir: tools.dir,
      env: { ...env, NEXUS_STREAM_RECHECK_MS: String(RECHECK_MS) },
    });
    const alice = await Promise.all(KINDS.map((kind) => openStream(gateway, kind, keys.alice!)));
    const bob = await Promise.all(KINDS.map((kind) => openStream(gateway, kind, keys.bob!)));
    const carol = await Promise.all(KINDS.map((kind) => openStream(gateway, kind, keys.carol!)));
    assert.deepEqual([...alice, ...bob, ...carol].map((stream) => stream.status), [
      200,
      200,
      200,
      200,
      200,
      200,
    ]);

    const revokedAt = performance.now();
    const response = await fetch(`${gateway.url}/admin/clients/alice`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${keys.ops}` },
    });
    assert.equal(response.status, 200, await response.text());
    for (const [index, stream] of alice.entries()) {
      const elapsed = await endedWithin(stream, revokedAt, 1000);
      assert.ok(elapsed !== undefined, `${KINDS[index]}: open 1 s after revocation here`);
    }

    const cliRevokedAt = performance.now();
    const revoke = await runNexus(["clients", "revoke", "bob"], env);
    assert.equal(revoke.code, 0, revoke.stderr);
    for (const [index, stream] of bob.entries()) {
      const elapsed = await endedWithin(stream, cliRevokedAt, OTHER_PROCESS_BOUND_MS + 3000);
      assert.ok(elapsed !== undefined, `${KINDS[index]}: open after revocation elsewhere`);
    }
    // Carol's key is untouched: her streams stay open.
    for (const stream of carol) assert.equal(await endedWithin(stream, 0, 10), undefined);
    for (const stream of carol) await stream.cancel();
  });
});

Deno.test("streams end when their API key or JWT expires", async (t) => {
  await t.step("an API key past its expiry", async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-streams-" });
    try {
      const store = await openStore({ dataDir });
      // Why 10 s: the key must still be valid when the gateway has started and the streams open,
      // which takes several seconds on a loaded machine.
      const expiresAt = Date.now() + 10_000;
      const { key } = await issueApiKey(store.apiKeys, "brief", { expiresAt });
      await store.close();
      await using tools = await createGatewayToolsDir();
      await using gateway = await startGateway({
        toolsDir: tools.dir,
        env: { NEXUS_DATA_DIR: dataDir, NEXUS_STREAM_RECHECK_MS: String(RECHECK_MS) },
      });
      const streams = await Promise.all(
        KINDS.map((kind) => openStream(gateway, kind, key.reveal())),
      );
      assert.deepEqual(streams.map((stream) => stream.status), [200, 200]);
      const expiry = performance.now() + (expiresAt - Date.now());
      for (const [index, stream] of streams.entries()) {
        const wait = Math.max(0, expiry - performance.now()) + RECHECK_MS + 5000;
        const elapsed = await endedWithin(stream, expiry, wait);
        assert.ok(elapsed !== undefined, `${KINDS[index]}: open 5 s after the key expired`);
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  });

  await t.step("a JWT past its exp", async () => {
    await using idp = await startOidcProvider("nexus-e2e");
    await using tools = await createGatewayToolsDir();
    await using gateway = await startGateway({
      toolsDir: tools.dir,
      env: {
        NEXUS_AUTH_ISSUER: idp.issuer,
        NEXUS_AUTH_AUDIENCE: "nexus-e2e",
        NEXUS_AUTH_CLOCK_SKEW_SEC: "0",
        NEXUS_STREAM_RECHECK_MS: String(RECHECK_MS),
      },
    });
    const token = await idp.sign({ azp: "short-lived" }, { expiresInSec: 3 });
    const exp = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).exp;
    const streams = await Promise.all(KINDS.map((kind) => openStream(gateway, kind, token)));
    assert.deepEqual(streams.map((stream) => stream.status), [200, 200]);
    const expiry = performance.now() + (exp * 1000 - Date.now());
    for (const [index, stream] of streams.entries()) {
      const elapsed = await endedWithin(stream, expiry, RECHECK_MS + 6000);
      assert.ok(elapsed !== undefined, `${KINDS[index]}: open 6 s after the token expired`);
    }
  });
});
