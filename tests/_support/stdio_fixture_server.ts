/**
 * A tiny MCP stdio server (SDK v2) for the stdio supervisor tests; run with
 * `deno run --allow-env --allow-run tests/_support/stdio_fixture_server.ts`.
 *
 * Tools: `echo` ({ text }), `slow` ({ ms }, answers after ms), `crash` (exits with code 3 while
 * the call is in flight), `spawn_grandchild` (starts `sleep 600` and answers its pid), `env`
 * ({ name }, the variable's value or "<unset>"), `env_sha256` ({ name }, the hex SHA-256 of the
 * variable's value, so a test can check a secret arrived without it crossing the gateway),
 * `stderr` ({ text }, writes the text to stderr), `pid` (the server's own pid), `flaky_read` (`readOnlyHint`; { marker }: when
 * the file `marker` is absent it creates it and exits with code 3 mid-call, else answers "read ok";
 * needs --allow-read --allow-write).
 * It writes `fixture ready pid=N` to stderr at start.
 */

import { McpServer } from "@modelcontextprotocol/server";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";

const server = new McpServer({ name: "stdio-fixture", version: "1.0.0" });

function text(value: string) {
  return { content: [{ type: "text" as const, text: value }] };
}

server.registerTool(
  "echo",
  { description: "Echoes its text", inputSchema: z.object({ text: z.string() }) },
  ({ text: value }) => text(value),
);
server.registerTool(
  "slow",
  { description: "Answers after ms", inputSchema: z.object({ ms: z.number() }) },
  async ({ ms }) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return text(`slept ${ms}`);
  },
);
server.registerTool("crash", { description: "Exits mid-call" }, () => {
  setTimeout(() => Deno.exit(3), 20);
  return new Promise<never>(() => {});
});
server.registerTool("spawn_grandchild", { description: "Starts sleep 600" }, () => {
  const child = new Deno.Command("sleep", { args: ["600"], stdin: "null", stdout: "null" })
    .spawn();
  child.unref();
  return text(String(child.pid));
});
server.registerTool(
  "env",
  { description: "Reads one variable", inputSchema: z.object({ name: z.string() }) },
  ({ name }) => text(Deno.env.get(name) ?? "<unset>"),
);
server.registerTool(
  "env_sha256",
  { description: "Hashes one variable", inputSchema: z.object({ name: z.string() }) },
  async ({ name }) => {
    const value = Deno.env.get(name);
    if (value === undefined) return text("<unset>");
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
    return text(
      Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join(""),
    );
  },
);
server.registerTool(
  "stderr",
  { description: "Writes to stderr", inputSchema: z.object({ text: z.string() }) },
  ({ text: value }) => {
    Deno.stderr.writeSync(new TextEncoder().encode(value));
    return text("written");
  },
);

server.registerTool("pid", { description: "Answers its pid" }, () => text(String(Deno.pid)));
server.registerTool(
  "flaky_read",
  {
    description: "Crashes on the first call, then reads",
    inputSchema: z.object({ marker: z.string() }),
    annotations: { readOnlyHint: true },
  },
  ({ marker }) => {
    try {
      Deno.statSync(marker);
      return text("read ok");
    } catch {
      Deno.writeTextFileSync(marker, "crashed");
      setTimeout(() => Deno.exit(3), 20);
      return new Promise<never>(() => {});
    }
  },
);

Deno.stderr.writeSync(new TextEncoder().encode(`fixture ready pid=${Deno.pid}\n`));
await server.connect(new StdioServerTransport());
