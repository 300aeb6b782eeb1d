import assert from "node:assert/strict";
import { parseSubcommand } from "../../lib/cli/io.ts";

Deno.test("parseSubcommand() returns positionals and declared options", () => {
  const parsed = parseSubcommand(
    ["rotate", "--grace", "1h"],
    { grace: { type: "string" } },
    "usage",
  );
  assert.deepEqual(parsed?.positionals, ["rotate"]);
  assert.equal(parsed?.values.grace, "1h");
});

Deno.test("parseSubcommand() answers an unknown option with undefined (usage on stderr)", () => {
  assert.equal(
    parseSubcommand(["--secret", "x"], { grace: { type: "string" } }, "usage"),
    undefined,
  );
});
