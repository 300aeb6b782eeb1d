/**
 * A hand-written MCP stdio server (no SDK) for the child transport tests: it can answer what an
 * SDK server never would. Run with `deno run tests/_support/raw_stdio_server.ts`.
 *
 * Tools: `good` (a valid result; with `{ split: true }` the response line is written in two
 * pieces 30 ms apart, after a stray non-JSON line), `bad_content` (`content` is a string),
 * `bad_block` (a text block without `text`), `burst` (sends three log notifications, then the
 * result, in one write). Any other request gets -32601.
 */

const encoder = new TextEncoder();

async function write(text: string): Promise<void> {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}

function line(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}

const TOOLS = ["good", "bad_content", "bad_block", "burst"].map((name) => ({
  name,
  inputSchema: { type: "object" },
}));

type Request = { id?: number | string; method: string; params?: Record<string, unknown> };

async function answer(request: Request): Promise<void> {
  const reply = (result: unknown) => write(line({ jsonrpc: "2.0", id: request.id, result }));
  if (request.id === undefined) return;
  if (request.method === "initialize") {
    return await reply({
      protocolVersion: "2025-11-25",
      capabilities: { tools: {}, logging: {} },
      serverInfo: { name: "raw-fixture", version: "1.0.0" },
    });
  }
  if (request.method === "tools/list") return await reply({ tools: TOOLS });
  if (request.method === "ping") return await reply({});
  if (request.method !== "tools/call") {
    return await write(line({
      jsonrpc: "2.0",
      id: request.id,
      error: { code: -32601, message: `Method not found: ${request.method}` },
    }));
  }
  const name = request.params?.name;
  const args = (request.params?.arguments ?? {}) as Record<string, unknown>;
  if (name === "good" && args.split === true) {
    const text = line({ jsonrpc: "2.0", id: request.id, result: { content: [ok("split")] } });
    const cut = Math.floor(text.length / 2);
    await write(`stray output that is not JSON\n${text.slice(0, cut)}`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    return await write(text.slice(cut));
  }
  if (name === "good") return await reply({ content: [ok("good")] });
  if (name === "bad_content") return await reply({ content: "nope" });
  if (name === "bad_block") return await reply({ content: [{ type: "text" }] });
  if (name === "burst") {
    const notes = [1, 2, 3].map((n) =>
      line({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: n } })
    );
    const result = line({ jsonrpc: "2.0", id: request.id, result: { content: [ok("burst")] } });
    return await write(notes.join("") + result);
  }
  await reply({ content: [ok(`unknown tool ${String(name)}`)], isError: true });
}

function ok(text: string) {
  return { type: "text", text };
}

const decoder = new TextDecoder();
let pending = "";
for await (const chunk of Deno.stdin.readable) {
  pending += decoder.decode(chunk, { stream: true });
  let index: number;
  while ((index = pending.indexOf("\n")) !== -1) {
    const text = pending.slice(0, index);
    pending = pending.slice(index + 1);
    if (text.trim() !== "") await answer(JSON.parse(text) as Request);
  }
}
