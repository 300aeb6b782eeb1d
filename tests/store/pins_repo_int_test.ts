/**
 * The tool pin repository contract, on real Postgres (own schema) and the embedded SQLite file:
 * first sight wins, an approval replaces, and a second instance on the same store sees the pins.
 */

import assert from "node:assert/strict";
import type { ToolPinRow } from "../../lib/store/mod.ts";
import { DIALECTS, openTestStore, storeTest } from "./_stores.ts";

function pin(tool: string, hash: string, by = "tofu", at = 1_000): ToolPinRow {
  return {
    upstream: "gh",
    tool,
    hash,
    definition: `{"name":"${tool}"}`,
    approvedAt: at,
    approvedBy: by,
  };
}

for (const dialect of DIALECTS) {
  Deno.test(
    storeTest(dialect, "approveFirst stores a pin once; approve replaces it", async () => {
      await using store = await openTestStore(dialect);
      assert.equal(await store.pins.approveFirst(pin("search", "h1")), true);
      assert.equal(await store.pins.approveFirst(pin("search", "h2")), false);
      assert.deepEqual(await store.pins.find("gh", "search"), pin("search", "h1"));
      await store.pins.approve(pin("search", "h3", "alice", 2_000));
      assert.deepEqual(await store.pins.find("gh", "search"), pin("search", "h3", "alice", 2_000));
      assert.equal(await store.pins.find("other", "search"), undefined);
    }),
  );

  Deno.test(
    storeTest(dialect, "pins are listed per upstream by tool and shared by instances", async () => {
      await using store = await openTestStore(dialect);
      await store.pins.approve(pin("b", "hb"));
      await store.pins.approve(pin("a", "ha"));
      await store.pins.approve({ ...pin("a", "hx"), upstream: "other" });
      const second = await store.reopen();
      try {
        const listed = await second.pins.list("gh");
        assert.deepEqual(listed.map((row) => [row.tool, row.hash]), [["a", "ha"], ["b", "hb"]]);
        assert.deepEqual((await second.pins.list("other")).map((row) => row.hash), ["hx"]);
      } finally {
        await second.close();
      }
    }),
  );
}
