// deno-lint-ignore-file no-console
/**
 * A tiny MCP client for the quickstart: lists the gateway's tools or calls one, with the official
 * SDK v2 client. `deno task call` (list) or `deno task call demo_echo '{"message":"hi"}'`.
 * `--modern` negotiates protocol 2026-07-28; the default is the 2025 handshake.
 */

import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { parseArgs } from "node:util";

if (import.meta.main) Deno.exit(await run(Deno.args));

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string", default: "http://127.0.0.1:8080/mcp" },
      modern: { type: "boolean", default: false },
    },
  });
  const client = new Client(
    { name: "nexus-quickstart", version: "1.0.0" },
    values.modern ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(values.url)));
  try {
    const [name, argsJson] = positionals;
    if (name === undefined) {
      const { tools } = await client.listTools();
      for (const tool of tools) console.log(`${tool.name}\t${tool.description ?? ""}`);
      return 0;
    }
    const args = argsJson === undefined ? {} : JSON.parse(argsJson);
    const result = await client.callTool({ name, arguments: args });
    console.log(JSON.stringify(result, null, 2));
    return result.isError ? 1 : 0;
  } finally {
    await client.close();
  }
}
