/**
 * Each table's statements are written once in `lib/`, on the dialect seam, not once per dialect:
 * a search for `INSERT INTO <table>` finds one statement (issue 12, "one repository per table").
 */

import assert from "node:assert/strict";

const TABLES = [
  "credentials",
  "credential_versions",
  "credential_state",
  "credential_events",
  "api_keys",
  "audit_log",
  "schema_migrations",
];

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sources(path);
    else if (entry.name.endsWith(".ts")) yield await Deno.readTextFile(path);
  }
}

Deno.test("every table has exactly one INSERT statement in lib/", async () => {
  const counts = new Map(TABLES.map((table) => [table, 0]));
  const root = new URL("../../lib", import.meta.url).pathname;
  for await (const text of sources(root)) {
    for (const table of TABLES) {
      const found = text.match(new RegExp(`insert\\s+(or\\s+\\w+\\s+)?into\\s+${table}\\b`, "gi"));
      counts.set(table, counts.get(table)! + (found?.length ?? 0));
    }
  }
  assert.deepEqual(Object.fromEntries(counts), Object.fromEntries(TABLES.map((t) => [t, 1])));
});
