/**
 * The committed console bundle (`lib/console/dist/`) is what `deno task console-build` makes from
 * `lib/console/ui/` now: a source change without a rebuild fails here, not in a browser.
 */

import assert from "node:assert/strict";
import { buildConsole } from "../../scripts/console_build.ts";
import { CONSOLE_ASSETS } from "../../lib/console/mod.ts";

Deno.test("the committed console bundle matches its sources", async () => {
  const temp = await Deno.makeTempDir({ prefix: "nexus-console-" });
  try {
    await buildConsole(temp);
    assert.equal(
      await Deno.readTextFile(`${temp}/app.js`),
      CONSOLE_ASSETS["/app.js"]!.body,
      "lib/console/dist/app.js is stale: run deno task console-build",
    );
    assert.equal(await Deno.readTextFile(`${temp}/app.css`), CONSOLE_ASSETS["/app.css"]!.body);
  } finally {
    await Deno.remove(temp, { recursive: true });
  }
});

Deno.test("the console page loads only its own script and style sheet, no inline script", () => {
  const page = CONSOLE_ASSETS["/"]!.body;
  const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(sources, ["data:,", "/console/app.css", "/console/app.js"]);
  assert.doesNotMatch(page, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script");
  assert.doesNotMatch(CONSOLE_ASSETS["/app.js"]!.body, /https?:\/\/(?!www\.w3\.org)/);
});
