/**
 * Credentials end to end: stored with the real CLI (secrets on stdin), injected by the real
 * gateway subprocess into calls made by a real SDK client, checked by a local upstream and an
 * OAuth token endpoint stand-in issuing short-lived tokens and rotating refresh tokens.
 */

import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { runNexus } from "../_support/cli.ts";
import { connect, createGatewayToolsDir, ERAS, startGateway } from "../_support/gateway.ts";
import { startOAuthServer } from "../_support/oauth_server.ts";
import { startUpstream } from "../_support/upstream_server.ts";

const SECRETS = {
  bearer: "tok-e2e-bearer-0001",
  header: "k-e2e-header-0002",
  query: "k-e2e-query 0003&x",
  password: "pw-e2e-basic-0004",
  svcKey: "k-e2e-svc-0005",
  clientSecret: "cs-e2e-oauth-0006",
};

function checks(): Record<string, (request: Request) => boolean> {
  return {
    "/check/bearer": (r) => r.headers.get("authorization") === `Bearer ${SECRETS.bearer}`,
    "/check/header": (r) => r.headers.get("x-api-key") === `Key ${SECRETS.header}`,
    "/check/query": (r) => new URL(r.url).searchParams.get("api_key") === SECRETS.query,
    "/check/basic": (r) =>
      r.headers.get("authorization") === `Basic ${btoa(`alice:${SECRETS.password}`)}`,
    "/check/headers": (r) =>
      r.headers.get("x-svc-key") === SECRETS.svcKey && r.headers.get("x-tenant") === "acme",
  };
}

function toolsYaml(upstream: string, idp: string): string {
  const tool = (name: string, auth: string, url: string) =>
    `  - name: ${name}
    description: Calls ${url} with credential ${auth}.
    auth: ${auth}
    http: { url: "${url}" }
`;
  return `tools:
${tool("with_bearer", "e2e-bearer", `${upstream}/check/bearer`)}${
    tool("with_header", "e2e-header", `${upstream}/check/header`)
  }${tool("with_query", "e2e-query", `${upstream}/check/query`)}${
    tool("with_basic", "e2e-basic", `${upstream}/check/basic`)
  }${tool("with_headers", "e2e-headers", `${upstream}/check/headers`)}${
    tool("echo_bearer", "e2e-bearer", `${upstream}/echo/leak`)
  }${tool("oauth_cc", "e2e-cc", `${idp}/api/cc`)}${tool("oauth_rt", "e2e-rt", `${idp}/api/rt`)}`;
}

function textOf(result: Awaited<ReturnType<Client["callTool"]>>): string {
  return result.content.map((part) => part.type === "text" ? part.text : "").join("");
}

Deno.test("gateway injects every credential kind and redacts an echoed secret", async (t) => {
  // Why a clock: tokens live 60 s at the stand-in; moving its clock expires them without sleeping.
  let idpClock = Date.now();
  const idp = startOAuthServer({
    clientId: "nexus-e2e",
    clientSecret: SECRETS.clientSecret,
    expiresIn: 60,
    now: () => idpClock,
  });
  const routes = Object.fromEntries(
    Object.entries(checks()).map(([path, ok]) => [
      path,
      (request: Request) =>
        ok(request) ? Response.json({ ok: true }) : new Response("no", { status: 401 }),
    ]),
  );
  const upstream = startUpstream({ routes });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-cred-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir, NEXUS_MASTER_KEY: generateMasterKey() };
    const refreshToken = idp.issueRefreshToken();
    const sets: Array<[string[], string]> = [
      [["e2e-bearer", "--kind", "bearer"], SECRETS.bearer],
      [
        ["e2e-header", "--kind", "api_key", "--header", "X-API-Key", "--prefix", "Key "],
        SECRETS.header,
      ],
      [["e2e-query", "--kind", "api_key", "--query", "api_key"], SECRETS.query],
      [["e2e-basic", "--kind", "basic", "--username", "alice"], `${SECRETS.password}\n`],
      [
        ["e2e-headers", "--kind", "headers"],
        JSON.stringify({ "X-Svc-Key": SECRETS.svcKey, "X-Tenant": "acme" }),
      ],
      [[
        "e2e-cc",
        "--kind",
        "oauth2_client_credentials",
        "--token-url",
        idp.tokenUrl,
        "--client-id",
        "nexus-e2e",
        "--scope",
        "read",
      ], SECRETS.clientSecret],
      [[
        "e2e-rt",
        "--kind",
        "oauth2_refresh_token",
        "--token-url",
        idp.tokenUrl,
        "--client-id",
        "nexus-e2e",
        "--auth-method",
        "client_secret_post",
      ], JSON.stringify({ refreshToken, clientSecret: SECRETS.clientSecret })],
    ];
    for (const [args, secret] of sets) {
      const run = await runNexus(["credentials", "set", ...args], { env, stdin: secret });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Stored credential ".+" version 1/);
    }
    await using tools = await createGatewayToolsDir({
      "creds.yaml": toolsYaml(upstream.url, idp.url),
    });
    await using gateway = await startGateway({ toolsDir: tools.dir, env });
    await using client = await connect(ERAS[0], gateway.mcpUrl);

    await t.step("static kinds reach the upstream as configured", async () => {
      for (
        const name of ["with_bearer", "with_header", "with_query", "with_basic", "with_headers"]
      ) {
        const result = await client.callTool({ name, arguments: {} });
        assert.equal(result.isError, undefined, `${name}: ${textOf(result)}`);
        assert.deepEqual(result.structuredContent, { ok: true });
      }
    });

    await t.step("a backend echoing the Authorization header gets it redacted", async () => {
      const result = await client.callTool({ name: "echo_bearer", arguments: {} });
      const text = JSON.stringify(result);
      assert.ok(!text.includes(SECRETS.bearer), "the token reached the client");
      assert.equal(
        (result.structuredContent as { headers: Record<string, string> }).headers.authorization,
        "[redacted]",
      );
    });

    await t.step(
      "OAuth client credentials: one token while fresh, a new one once it expires",
      async () => {
        for (let i = 0; i < 3; i++) {
          const result = await client.callTool({ name: "oauth_cc", arguments: {} });
          assert.equal(result.isError, undefined, textOf(result));
          assert.deepEqual(result.structuredContent, {
            ok: true,
            client: "nexus-e2e",
            scope: "read",
          });
        }
        assert.equal(idp.grants("client_credentials"), 1);
        // The short-lived token expires at the API: its 401 makes the gateway fetch a new one.
        idpClock += 61_000;
        const renewed = await client.callTool({ name: "oauth_cc", arguments: {} });
        assert.equal(renewed.isError, undefined, textOf(renewed));
        assert.equal(idp.grants("client_credentials"), 2);
      },
    );

    await t.step("OAuth refresh token: rotated tokens keep working after revocation", async () => {
      const first = await client.callTool({ name: "oauth_rt", arguments: {} });
      assert.equal(first.isError, undefined, textOf(first));
      assert.equal(idp.grants("refresh_token"), 1);
      // The upstream revokes the short-lived token: the gateway's 401 retry refreshes with the
      // rotated refresh token (the consented one is spent).
      idp.revokeAccessTokens();
      const second = await client.callTool({ name: "oauth_rt", arguments: {} });
      assert.equal(second.isError, undefined, textOf(second));
      assert.equal(idp.grants("refresh_token"), 2);
    });

    await t.step("no secret appears in the gateway log", async () => {
      await gateway.stop();
      const log = gateway.stderrLines().join("\n");
      for (
        const secret of [...Object.values(SECRETS), refreshToken, btoa(`alice:${SECRETS.password}`)]
      ) {
        assert.ok(!log.includes(secret), `log contains ${secret}`);
      }
    });
  } finally {
    await upstream.close();
    await idp.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});
