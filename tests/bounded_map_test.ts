import assert from "node:assert/strict";
import { BoundedMap } from "../lib/bounded_map.ts";

Deno.test("BoundedMap empties itself when a new key would pass its bound, not for a known key", () => {
  const map = new BoundedMap<string, number>(2);
  map.set("a", 1).set("b", 2);
  map.set("b", 3);
  assert.deepEqual([...map], [["a", 1], ["b", 3]]);
  map.set("c", 4);
  assert.deepEqual([...map], [["c", 4]]);
  assert.equal(map.max, 2);
});
