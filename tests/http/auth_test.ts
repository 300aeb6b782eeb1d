/**
 * Authentication at the HTTP edge through the Hono app (`app.request`): 401 with
 * `WWW-Authenticate`, the RFC 9728 metadata document, virtual-server routing, the admin API.
 */

import assert from "node:assert/strict";
import {
  type Caller,
  createApiKeyVerifier,
  createAuthenticator,
  createJwtVerifier,
  createPolicy,
  issueApiKey,
  type Policy,
} from "../../lib/auth/mod.ts";
import {
  createAdminApp,
  createAdminAuditRoutes,
  createAdminClientRoutes,
  createApp,
  createHttpAuth,
  createTrustedOrigin,
  type GuardOptions,
} from "../../lib/http/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import type { McpService } from "../../lib/mcp/mod.ts";
import { standInMcp } from "../_support/mcp_stand_in.ts";

import { startOidcProvider } from "../_support/oidc_provider.ts";
import { openTestStore } from "../store/_stores.ts";

const AUDIENCE = "http://localhost/mcp";
const METADATA = "http://localhost/.well-known/oauth-protected-resource";
const LOCAL = { host: "localhost" };

/** An MCP service stand-in that answers with the caller it was given. */
function echoMcp(): McpService {
  return standInMcp((_request, { caller }) => Promise.resolve(Response.json({ caller })));
}

async function setup(
  options: { policy?: Policy; guard?: GuardOptions; resourceUrl?: string } = {},
) {
  const store = await openTestStore("sqlite");
  const idp = await startOidcProvider(AUDIENCE);
  const keyRepo = store.apiKeys;
  const apiKeys = createApiKeyVerifier(keyRepo);
  const jwt = createJwtVerifier({
    issuer: idp.issuer,
    audience: [AUDIENCE],
    algorithms: ["RS256"],
    clockSkewSec: 30,
    clientClaim: "azp",
    groupsClaim: "groups",
    logger: silentLogger,
  });
  const authenticator = createAuthenticator({ apiKeys, jwt, anonymousAllowed: true });
  const policy = options.policy ?? createPolicy({});
  const guard = options.guard ?? { allowedOrigins: [], allowedHosts: [], loopback: true };
  const auth = createHttpAuth({
    authenticator,
    policy: () => policy,
    logger: silentLogger,
    issuer: idp.issuer,
    resourceUrl: options.resourceUrl,
    trustedOrigin: createTrustedOrigin(guard),
  });
  const auditRepo = store.audit;
  const admin = createAdminApp({
    auth,
    logger: silentLogger,
    routes: {
      "/clients": createAdminClientRoutes({
        repo: keyRepo,
        verifier: apiKeys,
        logger: silentLogger,
      }),
      "/audit": createAdminAuditRoutes({
        repo: auditRepo,
        stats: () => ({ buffered: 0, written: 0, dropped: 0, failedWrites: 0, suppressed: 0 }),
      }),
    },
  });
  const app = createApp({
    mcp: echoMcp(),
    logger: silentLogger,
    guard,
    maxBodyBytes: 1 << 20,
    demoApi: false,
    ready: () => true,
    auth,
    admin,
  });
  return {
    app,
    idp,
    keyRepo,
    auditRepo,
    async [Symbol.asyncDispose]() {
      await idp[Symbol.asyncDispose]();
      await store[Symbol.asyncDispose]();
    },
  };
}

function post(path: string, token?: string): Request {
  const headers: Record<string, string> = { "content-type": "application/json", host: "localhost" };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return new Request(`http://localhost${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });
}

Deno.test("a missing token gets 401 naming the protected resource metadata", async () => {
  await using env = await setup();
  const response = await env.app.request(post("/mcp"));
  assert.equal(response.status, 401);
  assert.equal(response.headers.get("www-authenticate"), `Bearer resource_metadata="${METADATA}"`);
  const body = await response.json();
  assert.equal(body.error.code, -32001);
});

Deno.test("an invalid token gets 401 with error=invalid_token", async () => {
  await using env = await setup();
  const expired = await env.idp.sign({}, { expiresInSec: -120 });
  const response = await env.app.request(post("/mcp", expired));
  assert.equal(response.status, 401);
  const header = response.headers.get("www-authenticate") ?? "";
  assert.match(
    header,
    /^Bearer resource_metadata=".+", error="invalid_token", error_description="Invalid token: token expired"$/,
  );
  await response.body?.cancel();
});

Deno.test("the metadata document names this resource and the authorization server", async () => {
  await using env = await setup();
  const root = await (await env.app.request(METADATA, { headers: LOCAL })).json();
  assert.deepEqual(root, {
    resource: AUDIENCE,
    authorization_servers: [env.idp.issuer],
    bearer_methods_supported: ["header"],
    resource_name: "Nexus MCP gateway",
  });
  const suffixed = await (await env.app.request(`${METADATA}/mcp/support`, { headers: LOCAL }))
    .json();
  assert.equal(suffixed.resource, "http://localhost/mcp/support");
});

Deno.test("a valid JWT reaches the MCP service as the caller", async () => {
  await using env = await setup();
  const token = await env.idp.sign({ azp: "agent-7", groups: ["support"] });
  const response = await env.app.request(post("/mcp", token));
  assert.equal(response.status, 200);
  const { caller } = await response.json() as { caller: Caller };
  assert.equal(caller.server, "default");
  assert.equal(caller.principal.name, "agent-7");
  assert.deepEqual(caller.principal.groups, ["support"]);
});

Deno.test("a virtual server the caller may not use answers like one that does not exist", async () => {
  const policy = createPolicy({
    servers: {
      support: { tools: ["*"], tags: [], clients: [], groups: ["support"] },
    },
  });
  await using env = await setup({ policy });
  const member = await env.idp.sign({ azp: "a", groups: ["support"] });
  const outsider = await env.idp.sign({ azp: "b", groups: [] });
  const inside = await env.app.request(post("/mcp/support", member));
  assert.equal(((await inside.json()) as { caller: Caller }).caller.server, "support");
  const denied = await env.app.request(post("/mcp/support", outsider));
  const missing = await env.app.request(post("/mcp/nothing-here", outsider));
  assert.equal(denied.status, 404);
  assert.equal(missing.status, 404);
  assert.deepEqual(await denied.json(), await missing.json());
});

Deno.test("the admin API issues and revokes client keys, effective at once", async () => {
  await using env = await setup();
  const { key: adminKey } = await issueApiKey(env.keyRepo, "ops", { scope: "admin" });
  const adminHeaders = {
    ...LOCAL,
    authorization: `Bearer ${adminKey.reveal()}`,
    "content-type": "application/json",
  };
  const anonymous = await env.app.request("http://localhost/admin/clients", { headers: LOCAL });
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
  const created = await env.app.request("http://localhost/admin/clients", {
    method: "POST",
    headers: adminHeaders,
    body: JSON.stringify({ name: "agent", tools: ["demo_*"] }),
  });
  assert.equal(created.status, 201);
  const { key, keyId } = await created.json();
  assert.match(key, /^nxk_/);
  const clientOnAdmin = await env.app.request("http://localhost/admin/clients", {
    headers: { ...LOCAL, authorization: `Bearer ${key}` },
  });
  assert.equal(clientOnAdmin.status, 401, "a client key is no admin credential");
  await clientOnAdmin.body?.cancel();
  const listed = await (await env.app.request("http://localhost/admin/clients", {
    headers: adminHeaders,
  })).json();
  assert.ok(!JSON.stringify(listed).includes(key.slice(21)), "listing never shows a key");
  assert.ok(listed.clients.some((c: { keyId: string }) => c.keyId === keyId));
  const ok = await env.app.request(post("/mcp", key));
  assert.equal(((await ok.json()) as { caller: Caller }).caller.principal.name, "agent");
  const revoked = await env.app.request("http://localhost/admin/clients/agent", {
    method: "DELETE",
    headers: adminHeaders,
  });
  assert.equal(revoked.status, 200);
  await revoked.body?.cancel();
  const refused = await env.app.request(post("/mcp", key));
  assert.equal(refused.status, 401, "a revoked key is refused at once");
  await refused.body?.cancel();
});

Deno.test("the admin audit endpoint filters and rejects bad queries", async () => {
  await using env = await setup();
  const { key: adminKey } = await issueApiKey(env.keyRepo, "ops", { scope: "admin" });
  const headers = { ...LOCAL, authorization: `Bearer ${adminKey.reveal()}` };
  const base = {
    clientId: "key:1",
    clientKind: "api_key",
    server: "default",
    argsHash: "0".repeat(64),
    args: null,
    outcome: "ok",
    errorCode: null,
    durationMs: 1,
    backendStatus: null,
    cacheHit: null,
    coalesced: null,
    credentialName: null,
    credentialVersion: null,
  };
  await env.auditRepo.append([
    { ...base, at: Date.now(), requestId: "a", clientName: "x", tool: "t1" },
    { ...base, at: Date.now(), requestId: "b", clientName: "y", tool: "t2" },
  ]);
  const response = await env.app.request("http://localhost/admin/audit?client=y&since=1h", {
    headers,
  });
  const { rows } = await response.json();
  assert.deepEqual(rows.map((r: { requestId: string }) => r.requestId), ["b"]);
  const bad = await env.app.request("http://localhost/admin/audit?since=yesterday", { headers });
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
  const stats = await (await env.app.request("http://localhost/admin/audit/stats", { headers }))
    .json();
  assert.equal(stats.dropped, 0);
});

Deno.test("the metadata refuses a foreign Host but any Origin may read it (CORS)", async () => {
  await using env = await setup();
  const rebound = await env.app.request(METADATA, { headers: { host: "evil.example" } });
  assert.equal(rebound.status, 403);
  assert.equal((await rebound.json()).error.code, "ORIGIN_FORBIDDEN");
  const browser = await env.app.request(METADATA, {
    headers: { ...LOCAL, origin: "https://client.example" },
  });
  assert.equal(browser.status, 200);
  assert.equal(browser.headers.get("access-control-allow-origin"), "*");
  assert.equal((await browser.json()).resource, AUDIENCE);
  const preflight = await env.app.request(`${METADATA}/mcp/support`, {
    method: "OPTIONS",
    headers: {
      ...LOCAL,
      origin: "https://client.example",
      "access-control-request-method": "GET",
      "access-control-request-headers": "mcp-protocol-version",
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
  assert.match(preflight.headers.get("access-control-allow-methods") ?? "", /GET/);
  assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /mcp-protocol-version/);
});

Deno.test("a 401 on /mcp/{name} points at that server's own document, whose resource is its URL", async () => {
  await using env = await setup();
  const refused = await env.app.request(post("/mcp/support"));
  assert.equal(refused.status, 401);
  await refused.body?.cancel();
  const pointer = /resource_metadata="([^"]+)"/.exec(
    refused.headers.get("www-authenticate") ?? "",
  )?.[1];
  assert.equal(pointer, `${METADATA}/mcp/support`);
  const document = await (await env.app.request(pointer, { headers: LOCAL })).json();
  assert.equal(document.resource, "http://localhost/mcp/support", "RFC 9728 §3.3: exact match");
  assert.deepEqual(document.authorization_servers, [env.idp.issuer]);
  const root = await env.app.request(post("/mcp"));
  assert.match(root.headers.get("www-authenticate") ?? "", new RegExp(`"${METADATA}"`));
  await root.body?.cancel();
  const unknown = await env.app.request(`${METADATA}/elsewhere`, { headers: LOCAL });
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
});

Deno.test("the metadata comes from resourceUrl, never from the request's Host", async () => {
  await using env = await setup({ resourceUrl: "https://mcp.example.com/mcp" });
  const response = await env.app.request(`${METADATA}/mcp/support`, {
    headers: { host: "127.0.0.1:9999" },
  });
  assert.equal(response.headers.get("cache-control"), "public, max-age=300");
  assert.equal((await response.json()).resource, "https://mcp.example.com/mcp/support");
  const refused = await env.app.request(post("/mcp/support"));
  assert.match(
    refused.headers.get("www-authenticate") ?? "",
    /resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp\/support"/,
  );
  await refused.body?.cancel();
});

Deno.test("a Host nobody checks never reaches the metadata or the 401 pointer", async () => {
  await using env = await setup({
    guard: { allowedOrigins: [], allowedHosts: [], loopback: false },
  });
  const document = await env.app.request(
    "http://evil.example/.well-known/oauth-protected-resource",
    {
      headers: { host: "evil.example" },
    },
  );
  assert.equal(document.status, 404);
  assert.doesNotMatch(await document.text(), /evil/);
  const refused = await env.app.request(
    new Request("http://evil.example/mcp", {
      method: "POST",
      headers: { host: "evil.example", "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    }),
  );
  assert.equal(refused.status, 401);
  assert.equal(refused.headers.get("www-authenticate"), "Bearer");
  await refused.body?.cancel();
});

Deno.test("a document built from a vouched-for Host is not stored by shared caches", async () => {
  await using env = await setup({
    guard: { allowedOrigins: [], allowedHosts: ["gw.example"], loopback: false },
  });
  const response = await env.app.request("http://gw.example/.well-known/oauth-protected-resource", {
    headers: { host: "gw.example:8443" },
  });
  assert.equal(response.headers.get("cache-control"), "private, max-age=300");
  assert.equal(response.headers.get("vary"), "Host");
  assert.equal((await response.json()).resource, "http://gw.example:8443/mcp");
});
