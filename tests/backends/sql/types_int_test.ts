/**
 * Column types survive the trip: numerics and bigints as strings, dates as ISO 8601, binary as
 * base64, JSON as JSON, NULL as null, with each column's database type named.
 */

import assert from "node:assert/strict";
import {
  call,
  contentOf,
  databaseTest,
  openScratch,
  poolsFor,
  settingsFor,
  sqlTools,
} from "./_databases.ts";

Deno.test(databaseTest("postgres", "types come back as specified", async () => {
  await using scratch = await openScratch("postgres");
  await using pools = poolsFor(settingsFor("postgres", scratch.url));
  const tools = sqlTools(`tools:
  - name: typed
    description: One row of every kind.
    input: { type: object, properties: { n: { type: string } } }
    sql:
      database: testdb
      query: >-
        select cast(:n as numeric) as num, 9007199254740993::int8 as big, 7::int4 as small,
        timestamptz '2024-01-02 03:04:05.123456+00' as ts, timestamp '2024-01-02 03:04:05' as lts,
        date '2024-01-02' as d, '\\x00ff10'::bytea as bin, '{"a": [1, 2]}'::jsonb as doc,
        null::text as nothing, true as flag
`);
  const content = contentOf(
    await call(tools.get("typed"), { n: "12345678901234567890.123" }, pools),
  );
  assert.deepEqual(content.rows, [{
    num: "12345678901234567890.123",
    big: "9007199254740993",
    small: 7,
    ts: "2024-01-02T03:04:05.123456Z",
    lts: "2024-01-02T03:04:05",
    d: "2024-01-02",
    bin: "AP8Q",
    doc: { a: [1, 2] },
    nothing: null,
    flag: true,
  }]);
  assert.deepEqual(content.columns.map((column) => column.type), [
    "numeric",
    "int8",
    "int4",
    "timestamptz",
    "timestamp",
    "date",
    "bytea",
    "jsonb",
    "text",
    "bool",
  ]);
}));

Deno.test(databaseTest("mysql", "types come back as specified", async () => {
  await using scratch = await openScratch("mysql");
  await scratch.exec(
    "create table typed (num decimal(30,3), big bigint, ts timestamp(3) null, dt datetime, " +
      "d date, bin blob, doc json, nothing varchar(10))",
    "insert into typed values (12345678901234567890.123, 9007199254740993, " +
      "'2024-01-02 03:04:05.123', '2024-01-02 03:04:05', '2024-01-02', x'00ff10', " +
      `'{"a": [1, 2]}', null)`,
  );
  await using pools = poolsFor(settingsFor("mysql", scratch.url));
  const tools = sqlTools(`tools:
  - name: typed
    description: One row of every kind.
    sql: { database: testdb, query: "select * from typed" }
`);
  const content = contentOf(await call(tools.get("typed"), {}, pools));
  const [row] = content.rows;
  assert.deepEqual({ ...row, doc: undefined }, {
    num: "12345678901234567890.123",
    big: "9007199254740993",
    // Why Z: the gateway's sessions run in UTC, so a TIMESTAMP is a UTC instant.
    ts: "2024-01-02T03:04:05.123Z",
    dt: "2024-01-02T03:04:05",
    d: "2024-01-02",
    bin: "AP8Q",
    doc: undefined,
    nothing: null,
  });
  // MariaDB stores JSON as text (an alias of LONGTEXT); the JSON arrives intact either way.
  const doc = row?.doc;
  assert.deepEqual(typeof doc === "string" ? JSON.parse(doc) : doc, { a: [1, 2] });
  assert.deepEqual(content.columns.slice(0, 6).map((column) => column.type), [
    "decimal",
    "bigint",
    "timestamp",
    "datetime",
    "date",
    "blob",
  ]);
}));
