/**
 * SQL tools against the real local PostgreSQL and MariaDB: bound (never executed) values,
 * read-only transactions, statement timeouts, row and byte limits, and errors without secrets.
 */

import assert from "node:assert/strict";
import { GatewayError } from "../../../lib/errors.ts";
import { rejectsWith } from "../_tools.ts";
import {
  call,
  contentOf,
  databaseTest,
  KINDS,
  openScratch,
  poolsFor,
  settingsFor,
  sqlTools,
} from "./_databases.ts";

const TOOLS = `tools:
  - name: find_item
    description: Find items by exact name.
    input:
      type: object
      properties: { name: { type: string } }
      required: [name]
    sql: { database: testdb, query: "select id, name from items where name = :name order by id" }
  - name: add_item_readonly
    description: Tries to write without declaring it.
    input:
      type: object
      properties: { id: { type: integer }, name: { type: string } }
    sql: { database: testdb, query: "insert into items (id, name) values (:id, :name)" }
  - name: add_item
    description: Writes, declared.
    input:
      type: object
      properties: { id: { type: integer }, name: { type: string } }
    sql:
      database: testdb
      query: "insert into items (id, name) values (:id, :name)"
      write: true
  - name: list_items
    description: Lists items, at most three.
    sql: { database: testdb, query: "select id, name from items order by id", maxRows: 3 }
  - name: broken
    description: Has a syntax error.
    sql: { database: testdb, query: "selec id from items" }
`;

const SLEEP = {
  postgres: "select pg_sleep(5)",
  mysql: "select sleep(5)",
};

// Why String: count(*) is a bigint on both servers, and bigints come back as strings.
async function countItems(scratch: { scalar(query: string): Promise<unknown> }): Promise<number> {
  return Number(await scratch.scalar("select count(*) from items"));
}

async function withItems(kind: "postgres" | "mysql", count: number) {
  const scratch = await openScratch(kind);
  await scratch.exec("create table items (id int primary key, name varchar(2000))");
  for (let id = 1; id <= count; id++) {
    await scratch.exec(`insert into items (id, name) values (${id}, 'item ${id}')`);
  }
  return scratch;
}

for (const kind of KINDS) {
  Deno.test(
    databaseTest(kind, "a value like '; drop table x; -- is bound, never executed", async () => {
      await using scratch = await withItems(kind, 1);
      await using pools = poolsFor(settingsFor(kind, scratch.url));
      const tools = sqlTools(TOOLS);
      const hostile = "'; drop table items; --";
      const none = contentOf(await call(tools.get("find_item"), { name: hostile }, pools));
      assert.deepEqual(none.rows, []);
      assert.equal(await countItems(scratch), 1);
      await call(tools.get("add_item"), { id: 2, name: hostile }, pools);
      const found = contentOf(await call(tools.get("find_item"), { name: hostile }, pools));
      assert.deepEqual(found.rows, [{ id: 2, name: hostile }]);
      assert.equal(await countItems(scratch), 2);
    }),
  );

  Deno.test(
    databaseTest(kind, "a read-only tool's write fails and changes nothing", async () => {
      await using scratch = await withItems(kind, 1);
      await using pools = poolsFor(settingsFor(kind, scratch.url));
      const tools = sqlTools(TOOLS);
      await rejectsWith(
        call(tools.get("add_item_readonly"), { id: 9, name: "x" }, pools),
        "UPSTREAM_ERROR",
        /read-only/,
      );
      assert.equal(await countItems(scratch), 1);
      const written = contentOf(await call(tools.get("add_item"), { id: 9, name: "x" }, pools));
      assert.equal(written.rowCount, 1);
      assert.equal(await countItems(scratch), 2);
    }),
  );

  Deno.test(
    databaseTest(kind, "the statement timeout holds: a 5 s sleep ends after 300 ms", async () => {
      await using scratch = await openScratch(kind);
      await using pools = poolsFor(settingsFor(kind, scratch.url));
      const tools = sqlTools(`tools:
  - name: slow
    description: Sleeps.
    sql: { database: testdb, query: "${SLEEP[kind]}", timeout: 300ms }
`);
      const started = performance.now();
      const error = await rejectsWith(call(tools.get("slow"), {}, pools), "UPSTREAM_TIMEOUT");
      assert.match(error.message, /300 ms/);
      assert.ok(performance.now() - started < 3_000, "the query ran on");
      // The pool still serves the next call.
      assert.equal(await scratch.scalar("select 1"), 1);
    }),
  );

  Deno.test(
    databaseTest(kind, "the row limit holds and says truncated", async () => {
      await using scratch = await withItems(kind, 10);
      await using pools = poolsFor(settingsFor(kind, scratch.url));
      const tools = sqlTools(TOOLS);
      const result = await call(tools.get("list_items"), {}, pools);
      const content = contentOf(result);
      assert.deepEqual(content.rows.map((row) => row.id), [1, 2, 3]);
      assert.equal(content.rowCount, 3);
      assert.equal(content.truncated, true);
      const text = result.content[0]?.type === "text" ? result.content[0].text : "";
      assert.equal(text.split("\n")[0], "id | name");
      assert.match(text, /^1 \| item 1$/m);
      assert.match(text, /\(3 row\(s\) \(truncated/);
      await scratch.exec("delete from items where id > 3");
      const exact = contentOf(await call(tools.get("list_items"), {}, pools));
      assert.equal(exact.rowCount, 3);
      assert.equal(exact.truncated, false);
    }),
  );

  Deno.test(
    databaseTest(kind, "the byte limit holds and says truncated", async () => {
      await using scratch = await withItems(kind, 0);
      for (let id = 1; id <= 10; id++) {
        await scratch.exec(`insert into items (id, name) values (${id}, '${"x".repeat(500)}')`);
      }
      await using pools = poolsFor(settingsFor(kind, scratch.url, { maxBytes: 1_200 }));
      const tools = sqlTools(TOOLS);
      const content = contentOf(await call(tools.get("list_items"), {}, pools));
      assert.equal(content.truncated, true);
      // Each row is about 520 bytes of JSON: two fit in 1 200 bytes, the third does not.
      assert.equal(content.rows.length, 2);
      assert.ok(JSON.stringify(content.rows).length <= 1_200);
    }),
  );

  Deno.test(
    databaseTest(
      kind,
      "a syntax error is a clear tool error naming the server's message",
      async () => {
        await using scratch = await withItems(kind, 0);
        await using pools = poolsFor(settingsFor(kind, scratch.url));
        const error = await rejectsWith(
          call(sqlTools(TOOLS).get("broken"), {}, pools),
          "UPSTREAM_ERROR",
        );
        assert.match(error.message, /^Query failed: .*syntax/i);
        assert.match(error.message, /SQLSTATE 42/);
      },
    ),
  );

  Deno.test(
    databaseTest(kind, "an unreachable database fails without the URL or password", async () => {
      const url = kind === "postgres"
        ? "postgres://postgres:s3cret-pw@127.0.0.1:1/test"
        : "mysql://root:s3cret-pw@127.0.0.1:1/test";
      await using pools = poolsFor(settingsFor(kind, url));
      const error = await rejectsWith(
        call(sqlTools(TOOLS).get("list_items"), {}, pools),
        "UPSTREAM_UNAVAILABLE",
      );
      assert.ok(error instanceof GatewayError);
      const everything = `${error.message} ${JSON.stringify(error.data ?? {})}`;
      assert.doesNotMatch(everything, /s3cret-pw|127\.0\.0\.1:1/);
      assert.match(error.message, /^Database "testdb" is unavailable: /);
    }),
  );
}
