/**
 * `response.htmlToText`: HTML and Confluence storage format reduced to plain text at dot paths.
 */

import assert from "node:assert/strict";
import { applyHtmlToText, htmlToText } from "../../../lib/backends/http/html_text.ts";
import type { JsonValue } from "../../../lib/registry/types.ts";

Deno.test("htmlToText() keeps blocks, bullets and cells apart and decodes entities", () => {
  assert.equal(
    htmlToText(
      "<h2>Steps</h2><p>Run &lt;this&gt; &amp; wait&nbsp;5&#8239;s &#x2014; ok</p>" +
        "<ul><li>one</li><li>two <b>bold</b></li></ul><table><tr><th>A</th><th>B</th></tr>" +
        "<tr><td>1</td><td>2</td></tr></table>",
    ),
    "Steps\n\nRun <this> & wait 5\u202fs — ok\n\n• one\n• two bold\n\nA\tB\n1\t2",
  );
});

Deno.test("htmlToText() drops scripts, styles and comments; CDATA stays text", () => {
  assert.equal(
    htmlToText(
      "<style>p{}</style><script>alert(1)</script><!-- x --><p>a</p>" +
        "<ac:plain-text-body><![CDATA[if (a<b && c) {}]]></ac:plain-text-body>",
    ),
    "a\nif (a<b && c) {}",
  );
});

Deno.test("applyHtmlToText() converts strings at paths, * over arrays, and leaves the rest", () => {
  const value: JsonValue = {
    results: [{ excerpt: "<b>x</b>", n: 1 }, { excerpt: "<i>y</i>" }],
    body: { storage: { value: "<p>z</p>" } },
    other: "<p>kept</p>",
  };
  assert.deepEqual(applyHtmlToText(value, ["results.*.excerpt", "body.storage.value", "nope.x"]), {
    results: [{ excerpt: "x", n: 1 }, { excerpt: "y" }],
    body: { storage: { value: "z" } },
    other: "<p>kept</p>",
  });
});
