// deno-lint-ignore-file no-console
/**
 * The client the conformance suite starts for its client scenarios (`scripts/conformance.ts`):
 * `conformance_client.ts <server URL>`, with the scenario in `MCP_CONFORMANCE_SCENARIO` and its
 * context (such as the tool calls to make) in `MCP_CONFORMANCE_CONTEXT`.
 *
 * What the suite sees is the gateway's upstream client: this starts a real gateway
 * (`main.ts serve`) whose only upstream is the suite's test server (`prefix: ""`, so names match),
 * then an SDK client lists and calls through the gateway: every tool the gateway lists (with the
 * context's arguments, else arguments built from the tool's schema), every prompt and resource.
 * The gateway's upstream client negotiates the era with the suite's server on its own, and
 * elicitation, sampling and roots requests that reach this client are answered (accept with empty
 * content, a fixed model reply, no roots). Exit 0 once the calls were made, whatever they
 * answered (the suite's checks judge); 1 when the gateway cannot start.
 */

import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { type Service, startGateway } from "./conformance_processes.ts";

interface ToolCall {
  name: string;
  arguments?: Record<string, unknown>;
}

interface ListedTool {
  name: string;
  inputSchema?: { properties?: Record<string, { type?: unknown }>; required?: string[] };
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}

async function main(argv: string[]): Promise<number> {
  const serverUrl = argv.at(-1);
  if (serverUrl === undefined) {
    console.error("usage: conformance_client.ts <server URL>");
    return 2;
  }
  const scenario = Deno.env.get("MCP_CONFORMANCE_SCENARIO") ?? "";
  const context = parseContext(Deno.env.get("MCP_CONFORMANCE_CONTEXT"));
  const workDir = await Deno.makeTempDir({ prefix: "nexus-conformance-client-" });
  let gateway: Service | undefined;
  try {
    gateway = await startGateway(await gatewayEnv(workDir, serverUrl));
    console.error(`${scenario}: gateway ${gateway.url} fronts ${serverUrl}`);
    await exercise(gateway.url, context.toolCalls);
    return 0;
  } catch (error) {
    console.error(`conformance client: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await gateway?.stop();
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
}

function parseContext(text: string | undefined): { toolCalls?: ToolCall[] } {
  if (text === undefined || text === "") return {};
  const parsed: unknown = JSON.parse(text);
  const toolCalls = (parsed as { toolCalls?: unknown }).toolCalls;
  return Array.isArray(toolCalls) ? { toolCalls: toolCalls as ToolCall[] } : {};
}

/** A gateway env whose tools dir holds only the suite's server as an upstream. */
async function gatewayEnv(workDir: string, url: string): Promise<Record<string, string>> {
  const toolsDir = join(workDir, "tools");
  await Deno.mkdir(toolsDir);
  const upstream = { name: "suite", url, prefix: "", timeout: "20s" };
  await Deno.writeTextFile(join(toolsDir, "suite.yaml"), JSON.stringify({ upstreams: [upstream] }));
  return { NEXUS_TOOLS_DIR: toolsDir, NEXUS_DATA_DIR: join(workDir, "data") };
}

/** Lists and calls everything the gateway offers, logging each answer to stderr. */
async function exercise(url: string, toolCalls: ToolCall[] | undefined): Promise<void> {
  const client = new Client({ name: "nexus-conformance-client", version: "1.0.0" }, {
    capabilities: { elicitation: { form: { applyDefaults: true } }, sampling: {}, roots: {} },
  });
  client.setRequestHandler("elicitation/create", () => ({ action: "accept", content: {} }));
  client.setRequestHandler("sampling/createMessage", () => ({
    role: "assistant",
    content: { type: "text", text: "A reply from the conformance client" },
    model: "conformance-model",
    stopReason: "endTurn",
  }));
  client.setRequestHandler("roots/list", () => ({ roots: [] }));
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  try {
    const tools = (await client.listTools()).tools as ListedTool[];
    console.error(`tools: ${tools.map((tool) => tool.name).join(", ")}`);
    const calls = toolCalls ?? tools.map((tool) => ({
      name: tool.name,
      arguments: argumentsFor(tool, tools),
    }));
    for (const call of calls) await attempt(`tools/call ${call.name}`, () => client.callTool(call));
    await attempt("prompts", async () => {
      for (const prompt of (await client.listPrompts()).prompts) {
        const args = Object.fromEntries((prompt.arguments ?? []).map((a) => [a.name, "test"]));
        await attempt(
          `prompts/get ${prompt.name}`,
          () => client.getPrompt({ name: prompt.name, arguments: args }),
        );
      }
    });
    await attempt("resources", async () => {
      for (const resource of (await client.listResources()).resources) {
        await attempt(
          `resources/read ${resource.uri}`,
          () => client.readResource({ uri: resource.uri }),
        );
      }
    });
  } finally {
    await client.close();
  }
}

async function attempt(label: string, step: () => Promise<unknown>): Promise<void> {
  try {
    const result = await step();
    console.error(`${label}: ${JSON.stringify(result).slice(0, 300)}`);
  } catch (error) {
    console.error(`${label}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Arguments from a tool's schema: numbers 1 and 2, booleans true, strings "test"; an echo tool
 * (`schema` argument) gets the input schema of the tool listed before it, as the JSON Schema
 * preservation scenarios ask.
 */
function argumentsFor(tool: ListedTool, tools: ListedTool[]): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  let n = 0;
  for (const [name, schema] of Object.entries(tool.inputSchema?.properties ?? {})) {
    if (name === "schema") {
      const focal = tools.find((other) => other !== tool && other.inputSchema?.properties);
      args.schema = focal?.inputSchema;
      continue;
    }
    const type = schema?.type;
    if (type === "number" || type === "integer") args[name] = ++n;
    else if (type === "boolean") args[name] = true;
    else args[name] = "test";
  }
  return args;
}
