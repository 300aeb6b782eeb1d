/**
 * The admin plane of the real gateway against a web page and the network: CSRF and DNS-rebinding
 * requests to `/admin` and `/metrics` change nothing, the admin API is never anonymous (not even
 * under `NEXUS_ALLOW_ANONYMOUS=true` on a public address), and revoking the last client key there
 * shows up at once in `/readyz` and `/metrics`.
 */

import assert from "node:assert/strict";
import { createClientKey } from "../_support/auth_fixtures.ts";
import { createGatewayToolsDir, postOverSocket, startGateway } from "../_support/gateway.ts";

const MINT = JSON.stringify({ name: "evil", admin: true });

async function withDataDir(run: (env: Record<string, string>) => Promise<void>): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-admin-" });
  try {
    await run({ NEXUS_DATA_DIR: dataDir });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

async function clientNames(url: string, adminKey: string): Promise<string[]> {
  const response = await fetch(`${url}/admin/clients`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  assert.equal(response.status, 200);
  const { clients } = await response.json() as { clients: Array<{ name: string }> };
  return clients.map((client) => client.name).sort();
}

Deno.test("CSRF and DNS-rebinding requests to /admin and /metrics are refused and change nothing", async () => {
  await withDataDir(async (env) => {
    const adminKey = await createClientKey("ops", env, ["--admin"]);
    await using tools = await createGatewayToolsDir();
    await using gateway = await startGateway({ toolsDir: tools.dir, env });
    const host = new URL(gateway.url).host;
    const rebound = await postOverSocket(`${gateway.url}/admin/clients`, {
      headers: {
        host: "evil.example",
        origin: "http://evil.example",
        "content-type": "text/plain",
      },
      body: MINT,
    });
    assert.equal(rebound.status, 403);
    assert.equal(JSON.parse(rebound.body).error.code, "ORIGIN_FORBIDDEN");
    const csrf = await fetch(`${gateway.url}/admin/clients`, {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "text/plain" },
      body: MINT,
    });
    assert.equal(csrf.status, 403);
    await csrf.body?.cancel();
    const plain = await fetch(`${gateway.url}/admin/clients`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "text/plain" },
      body: MINT,
    });
    assert.equal(plain.status, 415);
    assert.equal((await plain.json()).error.code, "UNSUPPORTED_MEDIA_TYPE");
    const scrape = await postOverSocket(`${gateway.url}/metrics`, {
      method: "GET",
      headers: { host: "evil.example", authorization: `Bearer ${adminKey}` },
      body: "",
    });
    assert.equal(scrape.status, 403);
    assert.doesNotMatch(scrape.body, /nexus_/);
    const scrapeFromPage = await fetch(`${gateway.url}/metrics`, {
      headers: { origin: "http://evil.example", authorization: `Bearer ${adminKey}` },
    });
    assert.equal(scrapeFromPage.status, 403);
    await scrapeFromPage.body?.cancel();
    assert.deepEqual(await clientNames(gateway.url, adminKey), ["ops"], `no key minted on ${host}`);
  });
});

Deno.test("/admin and /metrics answer 401 under NEXUS_ALLOW_ANONYMOUS=true on a public address", async () => {
  await withDataDir(async (env) => {
    await using tools = await createGatewayToolsDir();
    await using gateway = await startGateway({
      toolsDir: tools.dir,
      env: { ...env, NEXUS_HOST: "0.0.0.0", NEXUS_ALLOW_ANONYMOUS: "true" },
    });
    const minted = await fetch(`${gateway.url}/admin/clients`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: MINT,
    });
    assert.equal(minted.status, 401);
    assert.match((await minted.json()).error.message, /nexus clients create NAME --admin/);
    const scrape = await fetch(`${gateway.url}/metrics`);
    assert.equal(scrape.status, 401);
    await scrape.body?.cancel();
    const ready = await (await fetch(`${gateway.url}/readyz`)).json();
    assert.equal(ready.anonymousExposed, true);
  });
});

Deno.test("revoking the last client key re-checks exposure: /readyz and /metrics say so", async () => {
  await withDataDir(async (env) => {
    await createClientKey("agent", env);
    const adminKey = await createClientKey("ops", env, ["--admin"]);
    await using tools = await createGatewayToolsDir();
    await using gateway = await startGateway({
      toolsDir: tools.dir,
      env: { ...env, NEXUS_HOST: "0.0.0.0", NEXUS_ALLOW_ANONYMOUS: "true" },
    });
    const readyz = async () =>
      (await (await fetch(`${gateway.url}/readyz`)).json()).anonymousExposed;
    const gauge = async () => {
      const text = await (await fetch(`${gateway.url}/metrics`, {
        headers: { authorization: `Bearer ${adminKey}` },
      })).text();
      return /^nexus_anonymous_exposed (\d)$/m.exec(text)?.[1];
    };
    assert.equal(await readyz(), false, "a client key exists: every MCP call authenticates");
    assert.equal(await gauge(), "0");
    const revoked = await fetch(`${gateway.url}/admin/clients/agent`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${adminKey}` },
    });
    assert.equal(revoked.status, 200);
    await revoked.body?.cancel();
    assert.equal(await readyz(), true);
    assert.equal(await gauge(), "1");
    const warnings = gateway.stderrLines().filter((line) =>
      line.includes("SERVING ANONYMOUSLY ON A NON-LOOPBACK ADDRESS")
    );
    assert.equal(warnings.length, 1, "the warning is logged when exposure begins");
  });
});
