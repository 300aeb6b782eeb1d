import assert from "node:assert/strict";
import { selectPaths } from "../../../lib/backends/http/select.ts";
import type { JsonValue } from "../../../lib/registry/types.ts";

const issue: JsonValue = {
  key: "NEX-1",
  fields: { summary: "Broken", description: "long text", status: { name: "Open", id: 3 } },
  comments: [
    { id: 1, body: "first", author: { name: "ann" } },
    { id: 2, body: "second", author: { name: "bob" } },
  ],
};

Deno.test("selectPaths() keeps the nesting of the selected dot paths", () => {
  assert.deepEqual(selectPaths(issue, ["key", "fields.summary", "fields.status.name"]), {
    key: "NEX-1",
    fields: { summary: "Broken", status: { name: "Open" } },
  });
});

Deno.test("selectPaths() maps * over arrays and merges paths into the same elements", () => {
  assert.deepEqual(selectPaths(issue, ["comments.*.id", "comments.*.author.name"]), {
    comments: [{ id: 1, author: { name: "ann" } }, { id: 2, author: { name: "bob" } }],
  });
});

Deno.test("selectPaths() maps * over a top-level array", () => {
  assert.deepEqual(selectPaths([{ a: 1, b: 2 }, { a: 3 }], ["*.a"]), [{ a: 1 }, { a: 3 }]);
});

Deno.test("selectPaths() writes null for array elements that lack the path", () => {
  assert.deepEqual(selectPaths({ items: [{ id: 1 }, { x: 1 }] }, ["items.*.id"]), {
    items: [{ id: 1 }, null],
  });
});

Deno.test("selectPaths() maps * over object values keeping their keys", () => {
  const value = { users: { ann: { age: 3, x: 1 }, bob: { age: 4 } } };
  assert.deepEqual(selectPaths(value, ["users.*.age"]), {
    users: { ann: { age: 3 }, bob: { age: 4 } },
  });
});

Deno.test("selectPaths() indexes an array with a numeric segment", () => {
  assert.deepEqual(selectPaths(issue, ["comments.1.body"]), {
    comments: [null, { body: "second" }],
  });
});

Deno.test("selectPaths() leaves out paths that match nothing", () => {
  assert.deepEqual(selectPaths(issue, ["key", "nope.deeper", "fields.nope"]), { key: "NEX-1" });
  assert.deepEqual(selectPaths(issue, ["nope"]), {});
  assert.deepEqual(selectPaths([1, 2], ["a"]), []);
  assert.equal(selectPaths("text", ["a"]), null);
});

Deno.test("selectPaths() keeps whole subtrees, nulls and empty arrays as selected", () => {
  const value = { a: { b: null, c: [] }, d: 1 };
  assert.deepEqual(selectPaths(value, ["a.b", "a.c"]), { a: { b: null, c: [] } });
  assert.deepEqual(selectPaths(value, ["a", "a.b"]), { a: { b: null, c: [] } });
});

Deno.test("selectPaths() does not read inherited properties", () => {
  assert.deepEqual(selectPaths({ a: 1 }, ["constructor", "toString"]), {});
});
