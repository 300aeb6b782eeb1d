/**
 * An upstream's input request during `prompts/get` and `resources/read` reaches the calling client
 * as during `tools/call`, through the real gateway (a subprocess) with real SDK v2 clients of both eras: a
 * 2026-07-28 HTTP upstream's `input_required` (its state wrapped), a 2025 HTTP upstream with
 * sessions and a 2025 stdio upstream (their `elicitation/create` parked and answered by the
 * client's retry, or on a 2025 client's session).
 */

import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { bearerFetch, connectAs, createClientKey } from "../_support/auth_fixtures.ts";
import {
  connect,
  createGatewayToolsDir,
  type Era,
  ERAS,
  startGateway,
} from "../_support/gateway.ts";
import {
  CONFIRMED_URIS,
  oldStdioUpstreamYaml,
  startRelayUpstream,
} from "../_support/relay_fixture_server.ts";

function promptText(result: { messages: Array<{ content: unknown }> }): string {
  return result.messages.map((message) => (message.content as { text?: string }).text ?? "")
    .join("");
}

/** A client that answers elicitations with `{ ok: true }`, counting them. */
async function answeringClient(
  era: Era,
  url: string,
  key: string,
): Promise<{ client: Client & AsyncDisposable; asked: () => number }> {
  const client = await connect(era, url, {
    fetch: bearerFetch(key),
    client: { capabilities: { elicitation: { form: {} } } },
  });
  let asked = 0;
  client.setRequestHandler("elicitation/create", () => {
    asked++;
    return { action: "accept", content: { ok: true } };
  });
  return { client, asked: () => asked };
}

Deno.test("prompts/get and resources/read: an upstream's elicitation reaches the calling client, both eras", async (t) => {
  await using upstream = startRelayUpstream();
  await using legacyUpstream = startRelayUpstream({ legacySessions: true });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-prompt-input-" });
  try {
    const env = { NEXUS_DATA_DIR: dataDir };
    const key = await createClientKey("alice", env);
    await using tools = await createGatewayToolsDir({
      "relay.yaml": `upstreams:
  - name: rl
    url: ${upstream.url}
  - name: leg
    url: ${legacyUpstream.url}
${oldStdioUpstreamYaml()}`,
    });
    await using gateway = await startGateway({ toolsDir: tools.dir, env });

    const uris = {
      rl: CONFIRMED_URIS.http,
      leg: CONFIRMED_URIS.sessions,
      old: CONFIRMED_URIS.stdio,
    };
    for (const era of ERAS) {
      for (const prefix of ["rl", "leg", "old"] as const) {
        await t.step(`${era} client, ${prefix} upstream: elicitation round trip`, async () => {
          const { client, asked } = await answeringClient(era, gateway.mcpUrl, key);
          await using _client = client;
          const result = await client.getPrompt({ name: `${prefix}_confirmed` });
          assert.equal(promptText(result), 'prompt answer: accept {"ok":true}');
          assert.equal(asked(), 1, "the client was asked exactly once");
          const read = await client.readResource({ uri: uris[prefix] });
          const content = read.contents[0] as { uri: string; text?: string };
          assert.equal(content.text, 'resource answer: accept {"ok":true}');
          assert.equal(content.uri, uris[prefix]);
          assert.equal(asked(), 2, "the client was asked once more, for the read");
        });
      }
    }

    await t.step(
      "2026-07-28 client, by hand: a read's requestState is wrapped and bound to its URI",
      async () => {
        const { client } = await answeringClient("2026-07-28", gateway.mcpUrl, key);
        await using _client = client;
        const first = await client.request(
          { method: "resources/read", params: { uri: CONFIRMED_URIS.http } },
          { allowInputRequired: true },
        ) as { resultType?: string; requestState?: string; inputRequests?: object };
        assert.equal(first.resultType, "input_required");
        assert.deepEqual(Object.keys(first.inputRequests ?? {}), ["confirm"]);
        assert.match(first.requestState ?? "", /^nexus\.relay\.1\./);
        const answer = { confirm: { action: "accept", content: { ok: false } } };
        const retry = (uri: string) =>
          client.request({
            method: "resources/read",
            params: { uri, inputResponses: answer, requestState: first.requestState },
          } as never) as Promise<{ contents: Array<{ text?: string }> }>;
        await assert.rejects(() => retry(CONFIRMED_URIS.stdio), /not issued by this gateway/);
        const read = await retry(CONFIRMED_URIS.http);
        assert.equal(read.contents[0]?.text, 'resource answer: accept {"ok":false}');
      },
    );

    await t.step(
      "2025 client without the capability: the 2025 upstream's request is refused",
      async () => {
        await using plain = await connectAs("2025-11-25", gateway.mcpUrl, key);
        await assert.rejects(
          () => plain.getPrompt({ name: "old_confirmed" }),
          /did not declare the elicitation capability/,
        );
        await assert.rejects(
          () => plain.readResource({ uri: CONFIRMED_URIS.stdio }),
          /did not declare the elicitation capability/,
        );
        // The upstream is usable again afterwards: nothing stays parked.
        const { client } = await answeringClient("2026-07-28", gateway.mcpUrl, key);
        await using _client = client;
        const again = await client.getPrompt({ name: "old_confirmed" });
        assert.equal(promptText(again), 'prompt answer: accept {"ok":true}');
      },
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
