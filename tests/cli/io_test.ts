import assert from "node:assert/strict";
import { oneLine, parseSubcommand, printable } from "../../lib/cli/io.ts";

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

Deno.test("printable() removes escape sequences but keeps tabs and newlines", () => {
  const hostile = "evil\u001b]0;pwned\u0007\u001b[2J tool\u009b31m\tok\nnext";
  const shown = printable(hostile);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(shown, /[\u001b\u0007\u009b]/);
  assert.match(shown, /\tok\nnext$/);
});

Deno.test("oneLine() keeps a client-chosen name on one line", () => {
  const forged = "client\n2026-01-01T00:00:00.000Z  admin (1)  default  delete_all  ok";
  assert.equal(oneLine(forged).includes("\n"), false);
});

Deno.test("writeOut() never writes a terminal control character", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `import { writeOut } from ${
        JSON.stringify(new URL("../../lib/cli/io.ts", import.meta.url).href)
      };` +
      `writeOut("name\\u001b[31m red \\u009b1m");`,
    ],
    stdout: "piped",
    stderr: "piped",
  });
  const { stdout, code } = await child.output();
  assert.equal(code, 0);
  const text = new TextDecoder().decode(stdout);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(text, /[\u001b\u009b]/);
  assert.match(text, /^name.*red/);
});
