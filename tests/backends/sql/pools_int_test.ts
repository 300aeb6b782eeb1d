/**
 * Pools open on a database's first call, stay within `maxConnections`, and close when no tool
 * uses the database any more (`retain`) or when the gateway closes (`close`).
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { TEST_DATABASE_URL } from "../../store/_stores.ts";
import { call, databaseTest, openScratch, poolsFor, settingsFor, sqlTools } from "./_databases.ts";

async function connectionsNamed(name: string): Promise<number> {
  const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    // Why a short wait: a closed connection leaves pg_stat_activity a moment after the socket.
    for (let i = 0; i < 20; i++) {
      const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity where application_name = ${name}`;
      if (row?.n === 0 || i === 19) return row?.n ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return 0;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

Deno.test(
  databaseTest(
    "postgres",
    "pools open lazily, stay bounded and close on retain and close",
    async () => {
      await using scratch = await openScratch("postgres");
      const marker = `nexus_${scratch.name}`;
      const url = `${scratch.url}&application_name=${marker}`;
      await using pools = poolsFor(
        settingsFor("postgres", url, { name: "one", maxConnections: 2 }),
        settingsFor("postgres", url, { name: "two", maxConnections: 2 }),
      );
      assert.deepEqual(pools.open(), []);
      assert.equal(await connectionsNamed(marker), 0);
      const tools = sqlTools(`tools:
  - name: nap
    description: Sleeps a little on database one.
    sql: { database: one, query: "select pg_sleep(0.3)" }
`);
      await Promise.all(Array.from({ length: 6 }, () => call(tools.get("nap"), {}, pools)));
      assert.deepEqual(pools.open(), ["one"]);
      const open = await connectionsNamed(marker);
      assert.ok(open >= 1 && open <= 2, `${open} connections`);
      await pools.retain(new Set(["two"]));
      assert.deepEqual(pools.open(), []);
      assert.equal(await connectionsNamed(marker), 0);
      await call(tools.get("nap"), {}, pools);
      assert.deepEqual(pools.open(), ["one"]);
      await pools.close();
      assert.deepEqual(pools.open(), []);
      assert.equal(await connectionsNamed(marker), 0);
    },
  ),
);
