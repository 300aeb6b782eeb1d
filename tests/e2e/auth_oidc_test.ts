/**
 * The real gateway with OIDC authentication against a local provider stand-in: SDK clients of
 * both eras with real JWTs, a missing token answered with 401 and the metadata document, a
 * rotated key picked up with one JWKS refresh.
 */

import assert from "node:assert/strict";
import { connect, createGatewayToolsDir, ERAS, startGateway } from "../_support/gateway.ts";
import { connectAs, toolNames } from "../_support/auth_fixtures.ts";
import { startOidcProvider } from "../_support/oidc_provider.ts";

const AUDIENCE = "nexus-e2e";

Deno.test("gateway with OIDC: valid tokens in, everything else out", async (t) => {
  await using idp = await startOidcProvider(AUDIENCE);
  await using tools = await createGatewayToolsDir();
  await using gateway = await startGateway({
    toolsDir: tools.dir,
    env: { NEXUS_AUTH_ISSUER: idp.issuer, NEXUS_AUTH_AUDIENCE: AUDIENCE },
  });

  for (const era of ERAS) {
    await t.step(`${era} client with a valid token lists and calls tools`, async () => {
      const token = await idp.sign({ azp: `agent-${era}`, groups: ["support"] });
      await using client = await connectAs(era, gateway.mcpUrl, token);
      assert.ok((await toolNames(client)).includes("text_stats"));
      const result = await client.callTool({ name: "text_stats", arguments: { text: "a b" } });
      assert.equal(result.isError, undefined);
    });
  }

  await t.step("a request without a token gets 401 naming the metadata document", async () => {
    const response = await fetch(gateway.mcpUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
    });
    assert.equal(response.status, 401);
    const metadataUrl = `${gateway.url}/.well-known/oauth-protected-resource`;
    assert.equal(
      response.headers.get("www-authenticate"),
      `Bearer resource_metadata="${metadataUrl}"`,
    );
    await response.body?.cancel();
    const metadata = await (await fetch(metadataUrl)).json();
    assert.deepEqual(metadata.authorization_servers, [idp.issuer]);
    assert.equal(metadata.resource, gateway.mcpUrl);
  });

  await t.step("the SDK client without a token cannot connect", async () => {
    await assert.rejects(connect("2026-07-28", gateway.mcpUrl).then((c) => c.listTools()));
  });

  const refused: [string, () => Promise<string>][] = [
    ["an expired token", () => idp.sign({}, { expiresInSec: -300 })],
    ["a token for another audience", () => idp.sign({}, { audience: "someone-else" })],
    ["a token from another issuer", () => idp.sign({}, { issuer: "https://evil.example" })],
    ["an alg none token", () => Promise.resolve(idp.unsigned({}))],
    ["an HMAC token keyed with the RSA public key", () => idp.hmacWithPublicKey({})],
  ];
  for (const [what, make] of refused) {
    await t.step(`${what} is refused with 401 invalid_token`, async () => {
      const response = await fetch(gateway.mcpUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${await make()}`,
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
      assert.equal(response.status, 401);
      assert.match(response.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
      await response.body?.cancel();
    });
  }

  await t.step("a rotated signing key is fetched with exactly one JWKS refresh", async () => {
    const before = idp.jwksFetches();
    await idp.rotate({ dropOld: true });
    const token = await idp.sign({ azp: "after-rotation" });
    await using client = await connectAs("2026-07-28", gateway.mcpUrl, token);
    assert.ok((await toolNames(client)).length > 0);
    assert.equal(idp.jwksFetches(), before + 1);
  });
});
