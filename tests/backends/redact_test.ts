/**
 * Credential injection and redaction through `executeTool()` against a real local upstream.
 */

import assert from "node:assert/strict";
import { executeTool } from "../../lib/backends/mod.ts";
import { createOutboundAuth } from "../../lib/credentials/inject.ts";
import { GatewayError } from "../../lib/errors.ts";
import { Secret } from "../../lib/secret.ts";
import { startUpstream } from "../_support/upstream_server.ts";
import { executeOptions, httpTool, tsTool } from "./_tools.ts";

const TOKEN = "tok-9f8e7d6c5b4a";

function bearer() {
  return createOutboundAuth({
    headers: [["authorization", new Secret(`Bearer ${TOKEN}`)]],
    query: [["api_key", new Secret("qk-12345678")]],
    secrets: [new Secret(TOKEN), new Secret("qk-12345678")],
  });
}

Deno.test("executeTool() injects the credential and redacts an upstream echoing it back", async () => {
  const upstream = startUpstream();
  try {
    const tool = httpTool({
      url: `${upstream.url}/echo/me`,
      headers: { Authorization: "Bearer {who}" },
    });
    const options = executeOptions([upstream.origin], { outboundAuth: bearer() });
    const { result } = await executeTool(tool, { who: "argument-cannot-override" }, options);
    const text = JSON.stringify(result);
    assert.ok(!text.includes(TOKEN), "the token reached the result");
    assert.ok(!text.includes("qk-12345678"), "the query key reached the result");
    assert.ok(!text.includes("argument-cannot-override"), "the tool's own header was sent");
    const echoed = result.structuredContent as {
      headers: Record<string, string>;
      query: Record<string, string[]>;
    };
    assert.equal(echoed.headers.authorization, "[redacted]");
    assert.deepEqual(echoed.query.api_key, ["[redacted]"]);
    assert.ok(!options.lines.join("\n").includes(TOKEN), "the token reached the log");
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() redacts the credential from an upstream error message", async () => {
  const body = `denied for Bearer ${TOKEN} (${encodeURIComponent("qk-12345678")})`;
  const upstream = startUpstream({
    routes: { "/deny": () => new Response(body, { status: 403 }) },
  });
  try {
    const tool = httpTool({ url: `${upstream.url}/deny` });
    await assert.rejects(
      () => executeTool(tool, {}, executeOptions([upstream.origin], { outboundAuth: bearer() })),
      (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.code, "UPSTREAM_ERROR");
        assert.equal(error.data?.status, 403);
        assert.match(error.message, /denied for \[redacted\] \(\[redacted\]\)/);
        return true;
      },
    );
  } finally {
    await upstream.close();
  }
});

/** Fails when any run of `length` characters of `secret` occurs in `text`. */
export function assertNoRun(text: string, secret: string, length = 8): void {
  for (let i = 0; i + length <= secret.length; i++) {
    const run = secret.slice(i, i + length);
    assert.ok(!text.includes(run), `a ${length}-character run of the secret reached: ${run}`);
  }
}

const LONG_TOKEN = "tok-9f8e7d6c5b4a-3210fedcba98";

function bearerOf(token: string) {
  return createOutboundAuth({
    headers: [["authorization", new Secret(`Bearer ${token}`)]],
    secrets: [new Secret(token)],
  });
}

Deno.test("executeTool() scrubs a secret straddling the 500-character error excerpt", async () => {
  // The token starts 10 characters before the excerpt ends: a cut after redaction leaves 10.
  const body = `${"e".repeat(490)}${LONG_TOKEN}${" tail".repeat(50)}`;
  const upstream = startUpstream({
    routes: { "/deny": () => new Response(body, { status: 403 }) },
  });
  try {
    const tool = httpTool({ url: `${upstream.url}/deny` });
    const options = executeOptions([upstream.origin], { outboundAuth: bearerOf(LONG_TOKEN) });
    const error = await executeTool(tool, {}, options).then(
      () => assert.fail("expected an upstream error"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, "UPSTREAM_ERROR");
    assertNoRun(error.message, LONG_TOKEN);
    assertNoRun(JSON.stringify(error.data), LONG_TOKEN);
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() scrubs a secret straddling the maxBytes cut, read cap and JSON alike", async () => {
  const text = `${"t".repeat(990)}${LONG_TOKEN}${"u".repeat(5000)}`;
  const json = JSON.stringify({ pad: "j".repeat(970), token: LONG_TOKEN, more: "v".repeat(500) });
  const upstream = startUpstream({
    routes: {
      "/text": () => new Response(text),
      "/json": () => new Response(json, { headers: { "content-type": "application/json" } }),
    },
  });
  try {
    for (const path of ["/text", "/json"]) {
      const tool = httpTool({ url: `${upstream.url}${path}`, response: { maxBytes: 1000 } });
      const options = executeOptions([upstream.origin], { outboundAuth: bearerOf(LONG_TOKEN) });
      const { result } = await executeTool(tool, {}, options);
      const shown = JSON.stringify(result);
      assert.match(shown, /\[truncated: showed \d+ of/, `${path} was cut`);
      assertNoRun(shown, LONG_TOKEN);
    }
  } finally {
    await upstream.close();
  }
});

Deno.test("executeTool() scrubs a numeric secret echoed as a JSON number, even past 2^53", async () => {
  for (const secret of ["12345678901234", "98765432109876543210"]) {
    const body = `{"id":${secret},"list":[1,${secret}],"ok":true}`;
    const upstream = startUpstream({
      routes: {
        "/n": () => new Response(body, { headers: { "content-type": "application/json" } }),
      },
    });
    try {
      const auth = createOutboundAuth({
        query: [["key", new Secret(secret)]],
        secrets: [new Secret(secret)],
      });
      const tool = httpTool({ url: `${upstream.url}/n` });
      const { result } = await executeTool(
        tool,
        {},
        executeOptions([upstream.origin], { outboundAuth: auth }),
      );
      assert.deepEqual(result.structuredContent, {
        id: "[redacted]",
        list: [1, "[redacted]"],
        ok: true,
      });
      assertNoRun(JSON.stringify(result), secret);
    } finally {
      await upstream.close();
    }
  }
});

Deno.test("executeTool() scrubs secrets from structuredContent keys, strings and numbers alike", async () => {
  const numeric = "55512345678";
  const auth = createOutboundAuth({
    headers: [["authorization", new Secret(`Bearer ${TOKEN}`)]],
    secrets: [new Secret(TOKEN), new Secret(numeric)],
  });
  const tool = tsTool(() => ({
    [TOKEN]: "key holds it",
    nested: { list: [`Bearer ${TOKEN}`, Number(numeric)], [`k-${TOKEN}`]: 1 },
  }));
  const { result } = await executeTool(tool, {}, executeOptions([], { outboundAuth: auth }));
  assert.deepEqual(result.structuredContent, {
    "[redacted]": "key holds it",
    nested: { list: ["[redacted]", "[redacted]"], "k-[redacted]": 1 },
  });
  const text = JSON.stringify(result);
  assertNoRun(text, TOKEN);
  assertNoRun(text, numeric);
});
