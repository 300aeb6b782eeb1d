/**
 * Two gateway processes on one store race to refresh the same rotating refresh token (single-use
 * at the provider): both calls succeed, the provider sees one refresh per round, and the store
 * ends holding the newest refresh token. Runs on Postgres (own schema) and the embedded file.
 */

import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { generateMasterKey, loadKeyring } from "../../lib/credentials/mod.ts";
import { Secret } from "../../lib/secret.ts";
import { openStore, type StoreDialect } from "../../lib/store/mod.ts";
import { runNexus } from "../_support/cli.ts";
import { connect, createGatewayToolsDir, ERAS, startGateway } from "../_support/gateway.ts";
import { startOAuthServer } from "../_support/oauth_server.ts";
import { storedRefreshToken } from "../credentials/_keys.ts";
import { DIALECTS, openTestStore, storeTest, TEST_DATABASE_URL } from "../store/_stores.ts";

const CLIENT = { clientId: "race-client", clientSecret: "cs-race-secret" };

function textOf(result: Awaited<ReturnType<Client["callTool"]>>): string {
  return result.content.map((part) => part.type === "text" ? part.text : "").join("");
}

function storeEnv(dialect: StoreDialect, isolation: string): Record<string, string> {
  return dialect === "postgres"
    ? { NEXUS_DATABASE_URL: `${TEST_DATABASE_URL}?search_path=${isolation}` }
    : { NEXUS_DATA_DIR: isolation };
}

for (const dialect of DIALECTS) {
  Deno.test(
    storeTest(
      dialect,
      "two gateways racing to refresh one rotating token both succeed and store the newest",
      async () => {
        // Why the delay: it holds the first refresh open so the second gateway's call really races it.
        const idp = startOAuthServer({ ...CLIENT, expiresIn: 60, refreshDelayMs: 150 });
        await using store = await openTestStore(dialect);
        try {
          const masterKey = generateMasterKey();
          const env: Record<string, string> = {
            ...storeEnv(dialect, store.isolation),
            NEXUS_MASTER_KEY: masterKey,
          };
          const secret = JSON.stringify({
            refreshToken: idp.issueRefreshToken(),
            clientSecret: CLIENT.clientSecret,
          });
          const set = await runNexus([
            "credentials",
            "set",
            "crm",
            "--kind",
            "oauth2_refresh_token",
            "--token-url",
            idp.tokenUrl,
            "--client-id",
            CLIENT.clientId,
          ], { env, stdin: secret });
          assert.equal(set.code, 0, set.stderr);
          await using tools = await createGatewayToolsDir({
            "crm.yaml": `tools:
  - name: crm_call
    description: Calls the protected API with the rotating credential.
    auth: crm
    http: { url: "${idp.url}/api/crm" }
`,
          });
          await using one = await startGateway({ toolsDir: tools.dir, env });
          await using two = await startGateway({ toolsDir: tools.dir, env });
          await using a = await connect(ERAS[0], one.mcpUrl);
          await using b = await connect(ERAS[1], two.mcpUrl);
          const keyring = (await loadKeyring({ masterKey: new Secret(masterKey) }))!;
          for (let round = 1; round <= 3; round++) {
            if (round > 1) idp.revokeAccessTokens(); // every round starts with a refresh
            const [x, y] = await Promise.all([
              a.callTool({ name: "crm_call", arguments: {} }),
              b.callTool({ name: "crm_call", arguments: {} }),
            ]);
            assert.equal(x.isError, undefined, `gateway one, round ${round}: ${textOf(x)}`);
            assert.equal(y.isError, undefined, `gateway two, round ${round}: ${textOf(y)}`);
            assert.equal(idp.grants("refresh_token"), round, `round ${round}: one refresh`);
            const reader = await openStore({
              dataDir: store.isolation,
              ...(dialect === "postgres"
                ? { databaseUrl: new Secret(env.NEXUS_DATABASE_URL!) }
                : {}),
            });
            try {
              assert.equal(
                await storedRefreshToken(reader.credentials, "crm", keyring),
                idp.newestRefreshToken(),
                `round ${round}: the newest refresh token is stored`,
              );
            } finally {
              await reader.close();
            }
          }
        } finally {
          await idp.close();
        }
      },
    ),
  );
}
