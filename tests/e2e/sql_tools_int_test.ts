/**
 * The shipped CRM example tools through a real gateway subprocess, a real SDK client and the real
 * local Postgres: enabled by a `databases:` entry in the config file, bound values, a declared
 * write, and the pool closed when the gateway stops.
 */

import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import postgres from "postgres";
import { connect, createGatewayToolsDir, ERAS, startGateway } from "../_support/gateway.ts";
import { databaseTest, openScratch } from "../backends/sql/_databases.ts";
import { TEST_DATABASE_URL } from "../store/_stores.ts";

async function connectionsNamed(name: string): Promise<number> {
  const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where application_name = ${name}`;
    return row?.n ?? 0;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function structured(result: Awaited<ReturnType<Client["callTool"]>>) {
  assert.notEqual(result.isError, true, JSON.stringify(result.content));
  return result.structuredContent as { rows: Array<Record<string, unknown>>; truncated: boolean };
}

Deno.test(
  databaseTest(
    "postgres",
    "the CRM example tools answer through a real gateway and SDK client",
    async (t) => {
      await using scratch = await openScratch("postgres");
      await scratch.exec(
        "create table customers (id bigint primary key, name text, email text unique, plan text, " +
          "balance numeric(12,2), created_at timestamptz)",
        "insert into customers values " +
          "(1, 'Ada 50% Off', 'ada@example.com', 'pro', 1234.50, '2024-01-02 03:04:05+00'), " +
          "(2, 'Ada 500 Club', 'ada5@example.com', 'free', 0, '2024-02-02 03:04:05+00')",
      );
      const marker = `nexus_${scratch.name}`;
      const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-sql-" });
      const configPath = `${dataDir}/nexus.yaml`;
      await Deno.writeTextFile(
        configPath,
        `databases:\n  - name: crm\n    url: "${scratch.url}&application_name=${marker}"\n`,
      );
      await using tools = await createGatewayToolsDir();
      const gateway = await startGateway({
        toolsDir: tools.dir,
        env: { NEXUS_DATA_DIR: dataDir, NEXUS_CONFIG: configPath },
      });
      try {
        for (const era of ERAS) {
          await t.step(
            `${era}: lists the CRM tools and finds a customer by bound email`,
            async () => {
              await using client = await connect(era, gateway.mcpUrl);
              const names = (await client.listTools()).tools.map((tool) => tool.name);
              assert.ok(names.includes("crm_find_customer"), names.join(", "));
              const found = structured(
                await client.callTool({
                  name: "crm_find_customer",
                  arguments: { email: "ada@example.com" },
                }),
              );
              assert.deepEqual(found.rows, [{
                id: "1",
                name: "Ada 50% Off",
                email: "ada@example.com",
                plan: "pro",
                balance: "1234.50",
                created_at: "2024-01-02T03:04:05Z",
              }]);
            },
          );
        }
        await t.step("a % typed by the caller matches itself, not any text", async () => {
          await using client = await connect(ERAS[0], gateway.mcpUrl);
          const hits = structured(
            await client.callTool({ name: "crm_search_customers", arguments: { text: "50%" } }),
          );
          assert.deepEqual(hits.rows.map((row) => row.id), ["1"]);
        });
        await t.step("a declared write changes the row", async () => {
          await using client = await connect(ERAS[0], gateway.mcpUrl);
          const updated = structured(
            await client.callTool({
              name: "crm_set_customer_plan",
              arguments: { id: 2, plan: "enterprise" },
            }),
          );
          assert.deepEqual(updated.rows, [{ id: "2", name: "Ada 500 Club", plan: "enterprise" }]);
          assert.equal(
            await scratch.scalar("select plan from customers where id = 2"),
            "enterprise",
          );
        });
        assert.ok(await connectionsNamed(marker) >= 1);
      } finally {
        await gateway.stop();
        await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      }
      assert.equal(await connectionsNamed(marker), 0, "the pool outlived the gateway");
    },
  ),
);
