/**
 * Three real gateway processes sharing Redis and one store: two tenants (API-key clients) call the
 * same cached, credentialed tool with the same arguments on every instance, and each only ever
 * receives its own data.
 *
 * Why a serial number: a tool's credential is the gateway's, the same for every caller, and the
 * client's own token is never forwarded, so the backend cannot tell tenants apart. It numbers its
 * answers instead; the cache key's caller identity (lib/cache/README.md) is what must keep a
 * tenant's number away from the other tenant, on every instance.
 */

import assert from "node:assert/strict";
import type { CallToolResult, Client } from "@modelcontextprotocol/client";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { connectAs, createClientKey } from "../_support/auth_fixtures.ts";
import { runNexus } from "../_support/cli.ts";
import { PATIENT_REDIS_ENV, upstreamToolsDir } from "../_support/cluster.ts";
import { type Gateway, startGateway } from "../_support/gateway.ts";
import {
  deleteKeys,
  openTestRedis,
  REDIS_TEST_URL,
  redisTest,
  testPrefix,
} from "../_support/redis.ts";
import { startUpstream } from "../_support/upstream_server.ts";
const BACKEND_TOKEN = "tok-e2e-tenants-0001";

const TOOLS = `
  - name: account_summary
    description: A read-only lookup with the gateway's credential, cached for 30 s.
    annotations: { readOnlyHint: true }
    auth: tenant-api
    http: { url: /account, timeout: 5s }
    cache: { ttl: 30s }
`;

/** The serial number in a result, or a description of what came back instead. */
function serialOf(result: CallToolResult): number | string {
  const serial = (result.structuredContent as { serial?: unknown } | undefined)?.serial;
  return typeof serial === "number" ? serial : JSON.stringify(result);
}

redisTest(
  "two tenants calling one cached tool over three gateways each get their own data",
  async () => {
    let serial = 0;
    const authorizations: string[] = [];
    const upstream = startUpstream({
      routes: {
        "/account": async (request) => {
          authorizations.push(request.headers.get("authorization") ?? "");
          const mine = ++serial;
          // Why the pause: concurrent calls must overlap the flight to be coalesced.
          await new Promise((resolve) => setTimeout(resolve, 200));
          return Response.json({ serial: mine });
        },
      },
    });
    const prefix = testPrefix("e2e-tenants");
    await using redis = openTestRedis(prefix);
    const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-tenants-" });
    const gateways: Gateway[] = [];
    const clients: Client[] = [];
    try {
      const store = { NEXUS_DATA_DIR: dataDir, NEXUS_MASTER_KEY: generateMasterKey() };
      const set = await runNexus(["credentials", "set", "tenant-api", "--kind", "bearer"], {
        env: store,
        stdin: BACKEND_TOKEN,
      });
      assert.equal(set.code, 0, set.stderr);
      const keys = {
        a: await createClientKey("tenant-a", store),
        b: await createClientKey("tenant-b", store),
      };
      await using tools = await upstreamToolsDir(upstream.url, TOOLS);
      const env = {
        ...store,
        ...PATIENT_REDIS_ENV,
        NEXUS_REDIS_URL: REDIS_TEST_URL,
        NEXUS_REDIS_PREFIX: prefix,
        NEXUS_HOT_RELOAD: "false",
        NEXUS_DEMO_API: "false",
      };
      // One after another: the three share one embedded store file.
      for (let i = 0; i < 3; i++) gateways.push(await startGateway({ toolsDir: tools.dir, env }));
      const tenants = { a: [] as Client[], b: [] as Client[] };
      for (const gateway of gateways) {
        for (const tenant of ["a", "b"] as const) {
          const client = await connectAs("2026-07-28", gateway.mcpUrl, keys[tenant]);
          clients.push(client);
          tenants[tenant].push(client);
        }
      }
      const call = (tenant: "a" | "b", instance: number) =>
        tenants[tenant][instance]!.callTool({
          name: "account_summary",
          arguments: { account: "acme" },
        });

      // 30 identical calls at once, both tenants, spread over the three instances.
      const concurrent = await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          const tenant = i % 2 === 0 ? "a" : "b";
          return { tenant, serial: serialOf(await call(tenant, i % 3)) };
        }),
      );
      // Later calls on every instance are hits on each tenant's own entry.
      const later: { tenant: string; serial: number | string }[] = [];
      for (const tenant of ["a", "b"] as const) {
        for (let instance = 0; instance < 3; instance++) {
          later.push({ tenant, serial: serialOf(await call(tenant, instance)) });
        }
      }
      const seen = (tenant: string) =>
        new Set([...concurrent, ...later].filter((o) => o.tenant === tenant).map((o) => o.serial));
      const [a, b] = [[...seen("a")], [...seen("b")]];
      assert.equal(a.length, 1, `tenant A saw ${JSON.stringify(a)}`);
      assert.equal(b.length, 1, `tenant B saw ${JSON.stringify(b)}`);
      assert.equal(typeof a[0], "number", String(a[0]));
      assert.equal(typeof b[0], "number", String(b[0]));
      assert.notEqual(a[0], b[0], "the tenants share no cached answer");
      assert.deepEqual(new Set([a[0], b[0]]), new Set([1, 2]));
      assert.equal(upstream.hits("/account"), 2, "one backend hit per tenant");
      // The backend saw the gateway's credential only, never a tenant's own key.
      assert.deepEqual(authorizations, [`Bearer ${BACKEND_TOKEN}`, `Bearer ${BACKEND_TOKEN}`]);
    } finally {
      await Promise.all(clients.map((client) => client.close().catch(() => {})));
      await Promise.all(gateways.map((gateway) => gateway.stop()));
      await deleteKeys(redis, prefix);
      await upstream.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
);
