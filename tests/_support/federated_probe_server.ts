/**
 * A stdio MCP server (SDK v2, low-level `Server`) for `tests/mcp/direct_federated_test.ts`: its
 * tools send what a gateway relays to a stateless 2025 client during a call (log messages), and
 * answer with plain and other results. Run with `deno run --allow-env federated_probe_server.ts
 * [legacy]`; `legacy` makes it a 2025-only server (its input requests are then server-to-client
 * requests).
 *
 * Tools: `logs` ({ text }: five log messages, one at a level outside the MCP set, then a text
 * and structured answer), `slow_logs` (a log, a pause, a log, then text), `rich` (image and
 * resource link content, annotations, `_meta`), `tool_error` (an `isError` result), `rpc_error`
 * (a JSON-RPC error), `confirm` (asks for an elicitation first), `roots` (asks for the roots).
 */

import {
  inputRequired,
  inputResponse,
  ProtocolError,
  Server,
  type ServerContext,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/server";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const NO_INPUT = { type: "object", properties: {} };
const TOOLS = [
  { name: "logs", inputSchema: { type: "object", properties: { text: { type: "string" } } } },
  { name: "slow_logs", inputSchema: NO_INPUT },
  { name: "rich", inputSchema: NO_INPUT },
  { name: "tool_error", inputSchema: NO_INPUT },
  { name: "rpc_error", inputSchema: NO_INPUT },
  { name: "confirm", inputSchema: NO_INPUT },
  { name: "roots", inputSchema: NO_INPUT },
];

/** The `upstreams:` entries running this file as a 2026-07-28 (`fresh`) and a 2025 (`aged`) one. */
// Why a function: Deno.execPath() needs read permission, which the fixture itself lacks.
export function federatedProbeUpstreams(): string {
  const fixture = JSON.stringify(fileURLToPath(import.meta.url));
  const entry = (name: string, mode: string) =>
    `  - name: ${name}
    stdio:
      command: ${JSON.stringify(Deno.execPath())}
      args: ["run", "--quiet", "--no-prompt", "--allow-env", ${fixture}${mode}]
`;
  return `upstreams:\n${entry("fresh", "")}${entry("aged", ", legacy")}`;
}

function text(value: string) {
  return { content: [{ type: "text" as const, text: value }] };
}

function log(ctx: ServerContext, level: string, data: unknown, logger?: string): Promise<void> {
  return ctx.mcpReq.notify({
    method: "notifications/message",
    params: { level, data, ...(logger === undefined ? {} : { logger }) },
  } as never);
}

async function logs(ctx: ServerContext, value: string) {
  await log(ctx, "info", `info ${value}`, "probe");
  await log(ctx, "warning", { nested: [1, "two", null], "é": "ü\n" });
  await log(ctx, "debug", value);
  await log(ctx, "verbose", "a level outside the MCP set");
  await log(ctx, "emergency", "last", "probe");
  return { ...text(`logged ${value}`), structuredContent: { value } };
}

async function slowLogs(ctx: ServerContext) {
  await log(ctx, "notice", "first", "probe");
  await new Promise((resolve) => setTimeout(resolve, 30));
  await log(ctx, "error", "second", "probe");
  return text("slow logged");
}

function rich() {
  return {
    content: [
      { type: "image", data: "aGk=", mimeType: "image/png", annotations: { priority: 0.5 } },
      { type: "resource_link", uri: "probe://one", name: "one" },
      { type: "text", text: "t", annotations: { audience: ["user"] } },
    ],
    _meta: { "probe/x": 1 },
  };
}

function confirm(ctx: ServerContext) {
  const answer = inputResponse(ctx.mcpReq.inputResponses, "confirm");
  if (answer.kind === "elicit") return text(`answer: ${answer.action}`);
  return inputRequired({
    inputRequests: {
      confirm: inputRequired.elicit({
        message: "Proceed?",
        requestedSchema: z.object({ ok: z.boolean() }),
      }),
    },
  });
}

function roots(ctx: ServerContext) {
  const answer = inputResponse(ctx.mcpReq.inputResponses, "roots");
  if (answer.kind === "roots") return text(`roots: ${answer.roots.length}`);
  return inputRequired({ inputRequests: { roots: inputRequired.listRoots() } });
}

function buildServer(legacy: boolean): Server {
  const server = new Server({ name: "federated-probe", version: "1.0.0" }, {
    capabilities: { tools: {}, logging: {} },
    ...(legacy
      ? { supportedProtocolVersions: SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < "2026") }
      : {}),
  });
  server.setRequestHandler("tools/list", () => ({ tools: TOOLS as never }));
  server.setRequestHandler("tools/call", (request, ctx) => {
    const args = request.params.arguments ?? {};
    switch (request.params.name) {
      case "logs":
        return logs(ctx, String(args.text ?? ""));
      case "slow_logs":
        return slowLogs(ctx);
      case "rich":
        return rich() as never;
      case "tool_error":
        return { ...text("it went wrong"), isError: true };
      case "rpc_error":
        throw new ProtocolError(-32602, "Probe refuses", { why: "asked to" });
      case "confirm":
        return confirm(ctx) as never;
      case "roots":
        return roots(ctx) as never;
      default:
        return text("unknown");
    }
  });
  return server;
}

if (import.meta.main) {
  await buildServer(Deno.args.includes("legacy")).connect(new StdioServerTransport());
}
