/**
 * The npm `@modelcontextprotocol/server-everything` (a 2025-era stdio server on SDK v1) behind the
 * real gateway, with real SDK v2 clients: its long-running operation's progress reaches the
 * caller, a cancelled call reaches it as `notifications/cancelled` (the child's stdin and stdout
 * are copied to files by `tee`, so the test reads what crossed the pipe: the notification went in
 * and no answer to the cancelled request came out), and its elicitation tool completes a round
 * trip with a 2026-07-28 client (an `input_required` result and a retry) and with a 2025-11-25
 * client (a session, the request on the call's stream).
 */

import assert from "node:assert/strict";
import { bearerFetch, connectAs, createClientKey } from "../_support/auth_fixtures.ts";
import {
  connect,
  createGatewayToolsDir,
  ERAS,
  startGateway,
  waitUntil,
} from "../_support/gateway.ts";
import { installNpmPackage, SERVER_EVERYTHING } from "../_support/npm_package.ts";

function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ text?: string }> }).content ?? [];
  return content.map((block) => block.text ?? "").join("\n");
}

async function lines(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.split("\n").filter((line) => line.trim() !== "").flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

Deno.test("npm server-everything behind the gateway: progress, cancellation, elicitation", async (t) => {
  const entry = await installNpmPackage(SERVER_EVERYTHING);
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-npm-relay-" });
  const stdinCopy = `${dataDir}/child-stdin.jsonl`;
  const stdoutCopy = `${dataDir}/child-stdout.jsonl`;
  try {
    const env = { NEXUS_DATA_DIR: dataDir };
    const key = await createClientKey("alice", env);
    const script = 'tee -a "$0" | node "$1" stdio | tee -a "$2"';
    await using tools = await createGatewayToolsDir({
      "everything.yaml": `upstreams:
  - name: ev
    stdio:
      command: sh
      args: ["-c", ${JSON.stringify(script)}, ${JSON.stringify(stdinCopy)}, ${
        JSON.stringify(entry)
      }, ${JSON.stringify(stdoutCopy)}]
`,
    });
    await using gateway = await startGateway({ toolsDir: tools.dir, env });

    for (const era of ERAS) {
      await t.step(`${era}: the long-running operation's progress reaches the caller`, async () => {
        await using client = await connectAs(era, gateway.mcpUrl, key);
        const seen: Array<[number, number | undefined]> = [];
        const result = await client.callTool({
          name: "ev_trigger-long-running-operation",
          arguments: { duration: 0.3, steps: 3 },
        }, { onprogress: (progress) => seen.push([progress.progress, progress.total]) });
        assert.match(textOf(result), /Long running operation completed/);
        assert.deepEqual(seen, [[1, 3], [2, 3], [3, 3]]);
      });

      await t.step(`${era}: elicitation round trip`, async () => {
        await using client = await connect(era, gateway.mcpUrl, {
          fetch: bearerFetch(key),
          client: { capabilities: { elicitation: { form: {} } } },
        });
        const asked: unknown[] = [];
        client.setRequestHandler("elicitation/create", (request) => {
          asked.push(request.params);
          return { action: "accept", content: { name: `Ada ${era}` } };
        });
        const result = await client.callTool({
          name: "ev_trigger-elicitation-request",
          arguments: {},
        });
        assert.equal(asked.length, 1);
        assert.match(textOf(result), /User provided the requested information/);
        assert.match(textOf(result), new RegExp(`Ada ${era}`));
      });
    }

    await t.step("a cancelled call reaches the child as notifications/cancelled", async () => {
      await using client = await connectAs("2026-07-28", gateway.mcpUrl, key);
      const controller = new AbortController();
      const call = client.callTool({
        name: "ev_trigger-long-running-operation",
        arguments: { duration: 1.5, steps: 3 },
      }, { signal: controller.signal });
      setTimeout(() => controller.abort(), 300);
      await assert.rejects(call);
      const sent = await lines(stdinCopy);
      const request = sent.findLast((message) =>
        message.method === "tools/call" &&
        (message.params as { name?: string }).name === "trigger-long-running-operation"
      );
      assert.ok(request !== undefined, "the call never reached the child");
      const cancelled = await waitUntil(
        () =>
          Deno.readTextFileSync(stdinCopy).split("\n").some((line) =>
            line.includes('"notifications/cancelled"') && line.includes(`"requestId":${request.id}`)
          ),
        5_000,
      );
      assert.ok(cancelled, "no notifications/cancelled for the call went to the child");
      // The child honoured it: past the operation's end, no answer to the cancelled request.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const answered = (await lines(stdoutCopy)).some((message) =>
        message.id === request.id && "result" in message
      );
      assert.equal(answered, false, "the child answered the cancelled request");
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
