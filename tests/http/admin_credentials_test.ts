/**
 * `/admin/credentials` through the real admin app (authentication stubbed at its seam) on a real
 * vault over the embedded store.
 */

import assert from "node:assert/strict";
import type { Principal } from "../../lib/auth/mod.ts";
import { createVault, generateMasterKey, loadKeyring } from "../../lib/credentials/mod.ts";
import { createAdminApp, createAdminCredentialRoutes, type HttpAuth } from "../../lib/http/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import { Secret } from "../../lib/secret.ts";
import { openTestStore } from "../store/_stores.ts";

const ADMIN: Principal = { id: "key:adm1", kind: "api_key", name: "ops", groups: [] };
const SECRET = "tok-admin-api-987654";

const auth: HttpAuth = {
  mcpCaller: () => Promise.resolve(new Response(null, { status: 401 })),
  adminPrincipal: (request) =>
    Promise.resolve(
      request.headers.get("authorization") === "Bearer admin-ok"
        ? ADMIN
        : Response.json({ error: "Unauthorized" }, { status: 401 }),
    ),
  metadata: () => new Response(null, { status: 404 }),
};

async function adminApp() {
  const store = await openTestStore("sqlite");
  const keyring = await loadKeyring({ masterKey: new Secret(generateMasterKey()) });
  const vault = createVault({ repo: store.credentials, keyring });
  const app = createAdminApp({
    auth,
    logger: silentLogger,
    routes: { "/credentials": createAdminCredentialRoutes(vault) },
  });
  const request = (method: string, path: string, body?: unknown, key = "admin-ok") =>
    app.request(`/credentials${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { store, request };
}

Deno.test("admin credentials API: set, list, show, rotate, test and delete, never echoing a secret", async () => {
  const { store, request } = await adminApp();
  await using _store = store;
  const texts: string[] = [];
  const json = async (response: Response) => {
    const text = await response.text();
    texts.push(text);
    return text === "" ? undefined : JSON.parse(text);
  };
  const created = await request("PUT", "/jira", {
    kind: "bearer",
    secret: SECRET,
    rotateEveryMs: 86_400_000,
  });
  assert.equal(created.status, 201);
  assert.equal((await json(created)).activeVersion, 1);
  const headers = await request("PUT", "/svc", {
    kind: "headers",
    secret: { "X-Key": `${SECRET}-h` },
  });
  assert.equal(headers.status, 201);
  assert.deepEqual((await json(headers)).config, { kind: "headers", names: ["x-key"] });
  const list = await json(await request("GET", ""));
  assert.deepEqual(list.credentials.map((c: { name: string }) => c.name), ["jira", "svc"]);
  const rotated = await request("POST", "/jira/rotate", { secret: `${SECRET}-2`, graceMs: 60_000 });
  assert.equal((await json(rotated)).activeVersion, 2);
  const shown = await json(await request("GET", "/jira"));
  assert.equal(shown.events[0].actor, "admin:ops (key:adm1)");
  assert.equal(shown.versions[1].graceEndsAt - shown.versions[1].retiredAt, 60_000);
  assert.match(
    (await json(await request("POST", "/jira/test"))).result,
    /version 2 \(bearer\) opens/,
  );
  assert.equal((await request("DELETE", "/svc")).status, 204);
  const missing = await request("DELETE", "/svc");
  assert.equal(missing.status, 404);
  assert.equal((await json(missing)).error.code, "NOT_FOUND");
  for (const text of texts) {
    assert.ok(!text.includes(SECRET), `a response carries the secret: ${text}`);
  }
});

Deno.test("admin credentials API refuses unauthenticated callers and bad bodies", async () => {
  const { store, request } = await adminApp();
  await using _store = store;
  assert.equal((await request("GET", "", undefined, "wrong")).status, 401);
  assert.equal(
    (await request("PUT", "/x", { kind: "bearer", secret: SECRET }, "wrong")).status,
    401,
  );
  const noSecret = await request("PUT", "/x", { kind: "bearer" });
  assert.equal(noSecret.status, 400);
  assert.match((await noSecret.json()).error.message, /"secret" is required/);
  const badKind = await request("PUT", "/x", { kind: "magic", secret: SECRET });
  assert.equal(badKind.status, 400);
  assert.equal((await request("GET", "/nope")).status, 404);
  const badName = await request("PUT", "/Bad.Name", { kind: "bearer", secret: SECRET });
  assert.equal(badName.status, 400);
});
