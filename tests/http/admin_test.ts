/**
 * The admin plane through the whole HTTP app (`app.request`) with real API keys in the embedded
 * store: the Origin/Host guard `/mcp` uses (CSRF and DNS rebinding), JSON-only writes, the capped
 * body reader, one error shape, and an admin API that is never anonymous.
 */

import assert from "node:assert/strict";
import {
  createApiKeyVerifier,
  createAuthenticator,
  createPolicy,
  issueApiKey,
} from "../../lib/auth/mod.ts";
import {
  createAdminApp,
  createAdminClientRoutes,
  createApp,
  createHttpAuth,
  createTrustedOrigin,
  type GuardOptions,
} from "../../lib/http/mod.ts";
import { type ApiErrorBody } from "../../lib/http/responses.ts";
import { silentLogger } from "../../lib/log.ts";
import { standInMcp } from "../_support/mcp_stand_in.ts";

import { openTestStore } from "../store/_stores.ts";

const LOOPBACK: GuardOptions = { allowedOrigins: [], allowedHosts: [], loopback: true };
const CLIENTS = "http://localhost/admin/clients";

/** A default install: anonymous MCP allowed, no key; `guard` says where it listens. */
async function setup(guard: GuardOptions = LOOPBACK) {
  const store = await openTestStore("sqlite");
  const keyRepo = store.apiKeys;
  const apiKeys = createApiKeyVerifier(keyRepo, { cacheTtlMs: 0 });
  const authenticator = createAuthenticator({ apiKeys, anonymousAllowed: true });
  const policy = createPolicy({});
  const auth = createHttpAuth({
    authenticator,
    policy: () => policy,
    logger: silentLogger,
    trustedOrigin: createTrustedOrigin(guard),
  });
  const admin = createAdminApp({
    auth,
    logger: silentLogger,
    routes: {
      "/clients": createAdminClientRoutes({
        repo: keyRepo,
        verifier: apiKeys,
        logger: silentLogger,
      }),
    },
  });
  const app = createApp({
    mcp: standInMcp(),
    logger: silentLogger,
    guard,
    maxBodyBytes: 1 << 20,
    demoApi: false,
    ready: () => true,
    auth,
    admin,
  });
  const names = async () => (await keyRepo.list()).map((row) => row.name).sort();
  return { app, keyRepo, names, [Symbol.asyncDispose]: () => store[Symbol.asyncDispose]() };
}

async function errorOf(response: Response): Promise<ApiErrorBody["error"]> {
  const body = await response.json() as ApiErrorBody;
  assert.deepEqual(Object.keys(body), ["error"]);
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "requestId"]);
  assert.match(body.error.requestId, /^[0-9a-f-]{36}$/);
  return body.error;
}

const MINT = JSON.stringify({ name: "evil", admin: true });

Deno.test("a CSRF request to /admin/clients (foreign Host and Origin, text/plain) gets 403 and mints nothing", async () => {
  await using env = await setup();
  const response = await env.app.request(CLIENTS, {
    method: "POST",
    headers: {
      host: "evil.example",
      origin: "http://evil.example",
      "content-type": "text/plain",
    },
    body: MINT,
  });
  assert.equal(response.status, 403);
  assert.equal((await errorOf(response)).code, "ORIGIN_FORBIDDEN");
  assert.deepEqual(await env.names(), []);
});

Deno.test("/admin refuses a foreign Origin and a rebound Host even with a valid admin key", async () => {
  await using env = await setup();
  const { key } = await issueApiKey(env.keyRepo, "ops", { scope: "admin" });
  const attempts: Record<string, string>[] = [
    { host: "localhost", origin: "http://evil.example" },
    { host: "evil.example:8080" },
  ];
  for (const headers of attempts) {
    const response = await env.app.request(CLIENTS, {
      method: "POST",
      headers: {
        ...headers,
        authorization: `Bearer ${key.reveal()}`,
        "content-type": "application/json",
      },
      body: MINT,
    });
    assert.equal(response.status, 403, JSON.stringify(headers));
    assert.equal((await errorOf(response)).code, "ORIGIN_FORBIDDEN");
  }
  const read = await env.app.request(CLIENTS, {
    headers: { host: "evil.example", authorization: `Bearer ${key.reveal()}` },
  });
  assert.equal(read.status, 403, "DNS rebinding cannot read the answers either");
  await read.body?.cancel();
  assert.deepEqual(await env.names(), ["ops"]);
});

Deno.test("an admin write that is not application/json gets 415 and mints nothing", async () => {
  await using env = await setup();
  const { key } = await issueApiKey(env.keyRepo, "ops", { scope: "admin" });
  for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]) {
    const response = await env.app.request(CLIENTS, {
      method: "POST",
      headers: { host: "localhost", authorization: `Bearer ${key.reveal()}`, "content-type": type },
      body: MINT,
    });
    assert.equal(response.status, 415, type);
    assert.equal((await errorOf(response)).code, "UNSUPPORTED_MEDIA_TYPE");
  }
  assert.deepEqual(await env.names(), ["ops"]);
  const revoke = await env.app.request(`${CLIENTS}/ops`, {
    method: "DELETE",
    headers: { host: "localhost", authorization: `Bearer ${key.reveal()}` },
  });
  assert.equal(revoke.status, 200, "a write without a body needs no content type");
  await revoke.body?.cancel();
});

Deno.test("an admin body over the cap gets 413, refused while it is read", async () => {
  await using env = await setup();
  const { key } = await issueApiKey(env.keyRepo, "ops", { scope: "admin" });
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(new TextEncoder().encode(pulled === 1 ? '{"name":"' : "x".repeat(8192)));
      if (pulled > 1000) controller.close();
    },
  });
  const response = await env.app.request(CLIENTS, {
    method: "POST",
    headers: {
      host: "localhost",
      authorization: `Bearer ${key.reveal()}`,
      "content-type": "application/json",
    },
    body,
  });
  assert.equal(response.status, 413);
  const error = await errorOf(response);
  assert.equal(error.code, "PAYLOAD_TOO_LARGE");
  assert.match(error.message, /limit is 65536 bytes/);
  assert.ok(pulled < 20, `read ${pulled} chunks of 8 KiB`);
  assert.deepEqual(await env.names(), ["ops"]);
});

Deno.test("every admin error has one shape: code and status from the error table, request id", async () => {
  await using env = await setup();
  const { key } = await issueApiKey(env.keyRepo, "ops", { scope: "admin" });
  const headers = {
    host: "localhost",
    authorization: `Bearer ${key.reveal()}`,
    "content-type": "application/json",
  };
  const cases: Array<[Response | Promise<Response>, number, string]> = [
    [env.app.request(CLIENTS, { method: "POST", headers, body: "{}" }), 400, "INVALID_INPUT"],
    [env.app.request(CLIENTS, { method: "POST", headers, body: "{bad" }), 400, "PARSE_ERROR"],
    [
      env.app.request(CLIENTS, { method: "POST", headers, body: new Uint8Array([0x7b, 0xff]) }),
      400,
      "PARSE_ERROR",
    ],
    [env.app.request(`${CLIENTS}/nobody`, { method: "DELETE", headers }), 404, "NOT_FOUND"],
    [
      env.app.request(CLIENTS, { method: "POST", headers, body: JSON.stringify({ name: "ops" }) }),
      409,
      "CONFLICT",
    ],
    [env.app.request("http://localhost/admin/nothing", { headers }), 404, "NOT_FOUND"],
    [env.app.request(CLIENTS, { headers: { host: "localhost" } }), 401, "UNAUTHENTICATED"],
  ];
  for (const [pending, status, code] of cases) {
    const response = await pending;
    assert.equal(response.status, status, code);
    assert.equal((await errorOf(response)).code, code);
  }
});

Deno.test("/admin is never anonymous: with no admin key it answers 401 naming the command", async () => {
  await using env = await setup();
  const response = await env.app.request(CLIENTS, {
    method: "POST",
    headers: { host: "localhost", "content-type": "application/json" },
    body: MINT,
  });
  assert.equal(response.status, 401);
  const error = await errorOf(response);
  assert.equal(error.code, "UNAUTHENTICATED");
  assert.match(error.message, /nexus clients create NAME --admin/);
  assert.deepEqual(await env.names(), []);
});

Deno.test("/admin under allowAnonymous on a non-loopback address answers 401", async () => {
  await using env = await setup({ allowedOrigins: [], allowedHosts: [], loopback: false });
  const mcp = await env.app.request("http://gw.example/mcp", {
    method: "POST",
    headers: { host: "gw.example", "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });
  assert.equal(mcp.status, 204, "MCP tool traffic is anonymous, as allowAnonymous says");
  const response = await env.app.request("http://gw.example/admin/clients", {
    method: "POST",
    headers: { host: "gw.example", "content-type": "application/json" },
    body: MINT,
  });
  assert.equal(response.status, 401);
  assert.match((await errorOf(response)).message, /nexus clients create NAME --admin/);
  assert.deepEqual(await env.names(), []);
});
