/**
 * The dialect seam's statements: fragments splice into their parent as SQL while every value
 * stays a separate bound parameter, and rows read the same from either driver's column types.
 */

import assert from "node:assert/strict";
import { flatten, join, sql, tuple } from "../../lib/store/dialect.ts";
import { bool, bytes, int, json, orNull, rowReader, text } from "../../lib/store/rows.ts";

Deno.test("flatten() keeps each value bound, never in the text", () => {
  const hostile = "x'; DROP TABLE credentials; --";
  const flat = flatten(sql`SELECT * FROM credentials WHERE name = ${hostile} AND id = ${7}`);
  assert.deepEqual(flat.strings, ["SELECT * FROM credentials WHERE name = ", " AND id = ", ""]);
  assert.deepEqual(flat.values, [hostile, 7]);
  assert.equal(flat.strings.join("?").includes("DROP"), false);
});

Deno.test("flatten() splices nested fragments, empty ones included, in order", () => {
  const none = sql``;
  const flat = flatten(
    sql`SELECT 1 WHERE a = ${1} ${sql`AND b = ${2} ${sql`AND c = ${3}`}`} ${none}LIMIT ${4}`,
  );
  assert.equal(flat.strings.join("?"), "SELECT 1 WHERE a = ? AND b = ? AND c = ? LIMIT ?");
  assert.deepEqual(flat.values, [1, 2, 3, 4]);
});

Deno.test("join() and tuple() build a multi-row VALUES list with one parameter per value", () => {
  const rows = join([tuple([1, "a", null]), tuple([2, "b", true])], sql`, `);
  const flat = flatten(sql`INSERT INTO t (n, s, x) VALUES ${rows}`);
  assert.equal(flat.strings.join("?"), "INSERT INTO t (n, s, x) VALUES (?, ?, ?), (?, ?, ?)");
  assert.deepEqual(flat.values, [1, "a", null, 2, "b", true]);
});

Deno.test("rowReader() reads snake_case columns as either driver returns them", () => {
  const read = rowReader<
    {
      keyId: string;
      createdAt: number;
      sealed: Uint8Array;
      cacheHit: boolean | null;
      tools: string[];
    }
  >({ keyId: text, createdAt: int, sealed: bytes, cacheHit: orNull(bool), tools: json });
  const fromPostgres = read({
    key_id: "k",
    created_at: "1700000000000",
    sealed: new (class Buffer extends Uint8Array {})([1, 2]),
    cache_hit: true,
    tools: '["a"]',
  });
  const sqliteRow = {
    key_id: "k",
    created_at: 1_700_000_000_000,
    sealed: new Uint8Array([1, 2]),
    cache_hit: 1,
    tools: '["a"]',
  };
  const fromSqlite = read(sqliteRow);
  assert.deepEqual(fromPostgres, fromSqlite);
  assert.deepEqual(fromSqlite, {
    keyId: "k",
    createdAt: 1_700_000_000_000,
    sealed: new Uint8Array([1, 2]),
    cacheHit: true,
    tools: ["a"],
  });
  assert.equal(read({ ...sqliteRow, cache_hit: null }).cacheHit, null);
});

Deno.test("rowReader() rejects a non-number in an integer column and a non-bytes blob", () => {
  assert.throws(() => int("twelve", "version"), /column version/);
  assert.throws(() => int(null, "version"), /column version/);
  assert.throws(() => bytes("text", "sealed"), /column sealed/);
});
