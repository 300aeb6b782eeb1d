/**
 * `nexus stdio` launched by the SDK's own `StdioClientTransport`, as a desktop client would, for
 * both protocol eras; its calls are audited and counted like HTTP calls.
 */

import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/client";
import { gatewayStdioTransport } from "../_support/gateway_stdio.ts";
import { openStore, type StoredAuditRow } from "../../lib/store/mod.ts";
import {
  assertEra,
  createGatewayToolsDir,
  eraOptions,
  ERAS,
  waitUntil,
} from "../_support/gateway.ts";

const SHIPPED = ["demo_create_ticket", "demo_echo", "demo_time", "text_stats", "uuid_generate"];

function isShipped(name: string): boolean {
  return !name.startsWith("e2e_");
}

function newTool(name: string): string {
  return `tools:\n  - name: ${name}\n    description: Added over stdio.\n    http:\n      url: https://api.example.com/x\n`;
}

Deno.test("nexus stdio serves the shipped tools to SDK clients of both eras", async (t) => {
  await using tools = await createGatewayToolsDir();
  for (const era of ERAS) {
    await t.step(
      `${era} client: lists, calls text_stats and hears reloads over stdio`,
      async () => {
        const transport = gatewayStdioTransport({ NEXUS_TOOLS_DIR: tools.dir });
        const changes: string[][] = [];
        const client = new Client(
          { name: "nexus-e2e", version: "1.0.0" },
          eraOptions(era, {
            listChanged: {
              tools: {
                onChanged: (error, listed) => {
                  if (error === null && listed !== null) {
                    changes.push(listed.map((tool) => tool.name));
                  }
                },
              },
            },
          }),
        );
        const added = `e2e_stdio_${era.replaceAll("-", "_")}`;
        try {
          await client.connect(transport);
          assertEra(client, era);
          const { tools: listed } = await client.listTools();
          assert.deepEqual(listed.map((tool) => tool.name).filter(isShipped), SHIPPED);
          const result = await client.callTool({
            name: "text_stats",
            arguments: { text: "stdio works\n" },
          });
          assert.equal(result.isError, undefined);
          assert.deepEqual(result.structuredContent, { characters: 12, words: 2, lines: 1 });

          await tools.write(`${added}.yaml`, newTool(added));
          assert.ok(await waitUntil(() => changes.length > 0), "no list_changed within 10 s");
          assert.ok(changes[0]?.includes(added), `refetched list lacks ${added}`);
          const after = (await client.listTools()).tools.map((tool) => tool.name);
          assert.ok(after.includes(added));
        } finally {
          await client.close();
        }
      },
    );
  }
});

async function auditRows(dataDir: string): Promise<StoredAuditRow[]> {
  const store = await openStore({ dataDir });
  try {
    return await store.audit.query({ limit: 100, order: "asc" });
  } finally {
    await store.close();
  }
}

Deno.test("nexus stdio audits and counts its calls like HTTP calls", async () => {
  await using tools = await createGatewayToolsDir();
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-stdio-" });
  try {
    const transport = gatewayStdioTransport({
      NEXUS_TOOLS_DIR: tools.dir,
      NEXUS_DATA_DIR: dataDir,
      NEXUS_LOG_LEVEL: "info",
    }, { stderr: "pipe" });
    const lines: string[] = [];
    let buffered = "";
    transport.stderr?.on("data", (chunk: Uint8Array | string) => {
      buffered += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      lines.push(...parts);
    });
    const client = new Client({ name: "nexus-e2e", version: "1.0.0" });
    try {
      await client.connect(transport);
      const ok = await client.callTool({ name: "text_stats", arguments: { text: "a b" } });
      assert.equal(ok.isError, undefined);
      const invalid = await client.callTool({ name: "text_stats", arguments: { text: 42 } });
      assert.equal(invalid.isError, true);
    } finally {
      await client.close();
    }
    const stopped = () => lines.map(parseLine).find((record) => record?.msg === "Nexus stopped");
    assert.ok(await waitUntil(() => stopped() !== undefined), lines.join("\n"));
    const stops = lines.map(parseLine).filter((record) => record?.msg === "Nexus stopped");
    assert.equal(stops.length, 1, "stdin's end and close share one shutdown");
    assert.deepEqual(stopped()!.toolCalls, [
      { tool: "text_stats", outcome: "INVALID_INPUT", count: 1 },
      { tool: "text_stats", outcome: "ok", count: 1 },
    ]);
    const rows = await auditRows(dataDir);
    assert.deepEqual(
      rows.map((row) => [row.tool, row.outcome, row.errorCode, row.clientName]),
      [
        ["text_stats", "ok", null, "stdio"],
        ["text_stats", "error", "INVALID_INPUT", "stdio"],
      ],
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
