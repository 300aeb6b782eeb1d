/**
 * An upstream MCP server (SDK v2, low-level `Server`) whose tools send what the gateway relays:
 * progress, log messages, input requests, and a wait that ends on cancellation. Served over HTTP
 * in-process (`startRelayUpstream`) or over stdio (`deno run … relay_fixture_server.ts [legacy]`;
 * `legacy` makes it a 2025-only server, which asks for input with server-to-client requests).
 *
 * Tools: `progress` ({ steps }: one progress notification per step), `log` ({ text }: one
 * `notifications/message` at `info`), `wait` (answers when cancelled, writing
 * `fixture cancelled wait` to stderr, or "not cancelled" after 15 s), `confirm` ({ question }: an
 * elicitation; answers `answer: <action> <content>`), `roots` (asks for the client's roots),
 * `sample` (asks the client's model), `leveled` ({ text }: logs at `debug` and `info` through the
 * SDK, which drops what is below the client's level), `confirm_twice` (two elicitation rounds,
 * `first` then `second`, the first answer kept in its `requestState`; one progress notification
 * once answered; answers `answers: <first content> <second content>`), `confirm_wait` (an
 * elicitation, then, once answered, one progress notification `waiting` and a `wait`). Prompt
 * `confirmed` asks the client (an elicitation) before it answers `prompt answer: <action>
 * <content>`; its one resource (`CONFIRMED_URIS`) likewise, read as `resource answer: <action>
 * <content>`.
 */

import {
  createMcpHandler,
  inputRequired,
  inputResponse,
  Server,
  type ServerContext,
  SUPPORTED_PROTOCOL_VERSIONS,
} from "@modelcontextprotocol/server";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { serveSessionedMcp } from "./session_http.ts";

const TOOLS = [
  { name: "progress", inputSchema: { type: "object", properties: { steps: { type: "integer" } } } },
  { name: "log", inputSchema: { type: "object", properties: { text: { type: "string" } } } },
  { name: "wait", inputSchema: { type: "object", properties: {} } },
  {
    name: "confirm",
    inputSchema: { type: "object", properties: { question: { type: "string" } } },
  },
  { name: "roots", inputSchema: { type: "object", properties: {} } },
  { name: "sample", inputSchema: { type: "object", properties: {} } },
  { name: "leveled", inputSchema: { type: "object", properties: { text: { type: "string" } } } },
  { name: "confirm_twice", inputSchema: { type: "object", properties: {} } },
  { name: "confirm_wait", inputSchema: { type: "object", properties: {} } },
];

/**
 * The fixture's one resource, by how it is served (so one gateway can front all three): reading
 * it asks the client first (an elicitation).
 */
/**
 * The `upstreams:` list entry that runs this file as a 2025-only stdio upstream named `old` (its
 * `legacy` mode), for a tool file's YAML.
 */
// Why a function: Deno.execPath() needs read permission, which this file lacks when it runs as
// the fixture itself (--allow-env only).
export function oldStdioUpstreamYaml(): string {
  const fixture = fileURLToPath(import.meta.url);
  return `  - name: old
    stdio:
      command: ${JSON.stringify(Deno.execPath())}
      args: ["run", "--quiet", "--no-prompt", "--allow-env", ${JSON.stringify(fixture)}, legacy]
`;
}

export const CONFIRMED_URIS = {
  http: "relay://confirmed/http",
  sessions: "relay://confirmed/sessions",
  stdio: "relay://confirmed/stdio",
} as const;

function text(value: string) {
  return { content: [{ type: "text" as const, text: value }] };
}

/** Builds the fixture server; `onCancel` is told when `wait` is cancelled, `onWait` when it starts. */
export function buildRelayServer(
  options: {
    legacy?: boolean;
    onCancel?: (tool: string) => void;
    onWait?: () => void;
    /** The URI of the resource that asks first (default: the HTTP one). */
    resourceUri?: string;
  } = {},
): Server {
  const confirmedUri = options.resourceUri ?? CONFIRMED_URIS.http;
  const server = new Server({ name: "relay-fixture", version: "1.0.0" }, {
    capabilities: { tools: {}, logging: {}, prompts: {}, resources: {} },
    ...(options.legacy
      ? { supportedProtocolVersions: SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < "2026") }
      : {}),
  });
  server.setRequestHandler("tools/list", () => ({ tools: TOOLS as never }));
  server.setRequestHandler("prompts/list", () => ({
    prompts: [{ name: "confirmed", description: "Asks the client before it answers." }],
  }));
  server.setRequestHandler("prompts/get", (_request, ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, "confirm");
    if (answer.kind === "elicit") {
      const said = `prompt answer: ${answer.action} ${JSON.stringify(answer.content ?? {})}`;
      return { messages: [{ role: "user", content: { type: "text", text: said } }] };
    }
    return inputRequired({
      inputRequests: {
        confirm: inputRequired.elicit({
          message: "Use the prompt?",
          requestedSchema: z.object({ ok: z.boolean() }),
        }),
      },
    }) as never;
  });
  server.setRequestHandler("resources/list", () => ({
    resources: [{ uri: confirmedUri, name: "confirmed", description: "Asks before it is read." }],
  }));
  server.setRequestHandler("resources/templates/list", () => ({ resourceTemplates: [] }));
  server.setRequestHandler("resources/read", (request, ctx) => {
    const answer = inputResponse(ctx.mcpReq.inputResponses, "confirm");
    if (answer.kind === "elicit") {
      const said = `resource answer: ${answer.action} ${JSON.stringify(answer.content ?? {})}`;
      return { contents: [{ uri: request.params.uri, mimeType: "text/plain", text: said }] };
    }
    return inputRequired({
      inputRequests: {
        confirm: inputRequired.elicit({
          message: "Read the resource?",
          requestedSchema: z.object({ ok: z.boolean() }),
        }),
      },
    }) as never;
  });
  server.setRequestHandler("tools/call", (request, ctx) => {
    const args = request.params.arguments ?? {};
    switch (request.params.name) {
      case "progress":
        return progress(ctx, Number(args.steps ?? 3));
      case "log":
        return ctx.mcpReq.notify({
          method: "notifications/message",
          params: { level: "info", logger: "fixture", data: String(args.text) },
        }).then(() => text("logged"));
      case "wait":
        options.onWait?.();
        return wait(ctx, options.onCancel);
      case "confirm":
        return confirm(ctx, String(args.question ?? "Proceed?"));
      case "roots":
        return roots(ctx);
      case "sample":
        return sample(ctx);
      case "leveled":
        return leveled(ctx, String(args.text));
      case "confirm_twice":
        return confirmTwice(ctx);
      case "confirm_wait":
        return confirmWait(ctx, options.onCancel);
      default:
        return text("unknown");
    }
  });
  return server;
}

async function progress(ctx: ServerContext, steps: number) {
  const token = ctx.mcpReq._meta?.progressToken;
  for (let step = 1; step <= steps; step++) {
    if (token !== undefined) {
      await ctx.mcpReq.notify({
        method: "notifications/progress",
        params: { progressToken: token, progress: step, total: steps, message: `step ${step}` },
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return text(`done ${steps}${token === undefined ? " without token" : ""}`);
}

function wait(ctx: ServerContext, onCancel?: (tool: string) => void) {
  return new Promise<ReturnType<typeof text>>((resolve) => {
    const timer = setTimeout(() => resolve(text("not cancelled")), 15_000);
    ctx.mcpReq.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      Deno.stderr.writeSync(new TextEncoder().encode("fixture cancelled wait\n"));
      onCancel?.("wait");
      resolve(text("cancelled"));
    }, { once: true });
  });
}

function confirm(ctx: ServerContext, question: string) {
  const answer = inputResponse(ctx.mcpReq.inputResponses, "confirm");
  if (answer.kind === "elicit") {
    return text(`answer: ${answer.action} ${JSON.stringify(answer.content ?? {})}`);
  }
  return inputRequired({
    inputRequests: {
      confirm: inputRequired.elicit({
        message: question,
        requestedSchema: z.object({ ok: z.boolean() }),
      }),
    },
  });
}

async function confirmTwice(ctx: ServerContext) {
  const first = ctx.mcpReq.requestState<unknown>();
  const second = inputResponse(ctx.mcpReq.inputResponses, "second");
  if (typeof first === "string" && second.kind === "elicit") {
    const token = ctx.mcpReq._meta?.progressToken;
    if (token !== undefined) {
      await ctx.mcpReq.notify({
        method: "notifications/progress",
        params: { progressToken: token, progress: 1, total: 1, message: "answered" },
      });
    }
    return text(`answers: ${first} ${JSON.stringify(second.content ?? {})}`);
  }
  const schema = z.object({ ok: z.boolean() });
  const answer = inputResponse(ctx.mcpReq.inputResponses, "first");
  if (answer.kind === "elicit") {
    return inputRequired({
      inputRequests: {
        second: inputRequired.elicit({ message: "Second?", requestedSchema: schema }),
      },
      requestState: JSON.stringify(answer.content ?? {}),
    });
  }
  return inputRequired({
    inputRequests: { first: inputRequired.elicit({ message: "First?", requestedSchema: schema }) },
  });
}

async function confirmWait(ctx: ServerContext, onCancel?: (tool: string) => void) {
  const answer = inputResponse(ctx.mcpReq.inputResponses, "confirm");
  if (answer.kind !== "elicit") return confirm(ctx, "Wait?");
  const token = ctx.mcpReq._meta?.progressToken;
  if (token !== undefined) {
    await ctx.mcpReq.notify({
      method: "notifications/progress",
      params: { progressToken: token, progress: 1, message: "waiting" },
    });
  }
  return await wait(ctx, onCancel);
}

function roots(ctx: ServerContext) {
  const answer = inputResponse(ctx.mcpReq.inputResponses, "roots");
  if (answer.kind === "roots") return text(`roots: ${answer.roots.map((r) => r.uri).join(",")}`);
  return inputRequired({ inputRequests: { roots: inputRequired.listRoots() } });
}

function sample(ctx: ServerContext) {
  const answer = inputResponse(ctx.mcpReq.inputResponses, "sample");
  if (answer.kind === "sampling") {
    const content = answer.result.content as { type: string; text?: string };
    return text(`sampled: ${content.text}`);
  }
  return inputRequired({
    inputRequests: {
      sample: inputRequired.createMessage({
        messages: [{ role: "user", content: { type: "text", text: "Say hi" } }],
        maxTokens: 10,
      }),
    },
  });
}

/** Logs at `debug` and at `info` through the SDK, which applies the client's level. */
async function leveled(ctx: ServerContext, value: string) {
  await ctx.mcpReq.log("debug", `debug ${value}`, "fixture");
  await ctx.mcpReq.log("info", `info ${value}`, "fixture");
  return text("leveled");
}

/** A running HTTP fixture (both eras; 2025 served stateless). */
export interface RelayUpstream {
  /** The MCP endpoint. */
  url: string;
  /** Tools whose call the fixture saw cancelled, in order. */
  cancelled(): string[];
  /** How many `wait` calls started. */
  waits(): number;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Serves the fixture over Streamable HTTP on 127.0.0.1 (port 0): both eras, or with
 * `legacySessions` as a 2025-only server with sessions (its input requests go on the call's SSE
 * stream, and the answers come back on the session).
 */
export function startRelayUpstream(options: { legacySessions?: boolean } = {}): RelayUpstream {
  if (options.legacySessions) return startSessionUpstream();
  const cancelled: string[] = [];
  let waits = 0;
  const handler = createMcpHandler(
    () => buildRelayServer({ onCancel: (tool) => cancelled.push(tool), onWait: () => waits++ }),
    // Why SSE with a short keep-alive: Deno.serve notices a client that went away only when it
    // writes, and a 2026-07-28 client cancels by closing the request's stream.
    { legacy: "stateless", responseMode: "sse", keepAliveMs: 100 },
  );
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    (request) => handler.fetch(request),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/mcp`,
    cancelled: () => [...cancelled],
    waits: () => waits,
    async [Symbol.asyncDispose]() {
      await handler.close();
      await server.shutdown();
    },
  };
}

function startSessionUpstream(): RelayUpstream {
  const cancelled: string[] = [];
  let waits = 0;
  const http = serveSessionedMcp(() =>
    buildRelayServer({
      legacy: true,
      resourceUri: CONFIRMED_URIS.sessions,
      onCancel: (tool) => cancelled.push(tool),
      onWait: () => waits++,
    })
  );
  return {
    url: http.url,
    cancelled: () => [...cancelled],
    waits: () => waits,
    [Symbol.asyncDispose]: () => http[Symbol.asyncDispose](),
  };
}

if (import.meta.main) {
  const legacy = Deno.args.includes("legacy");
  await buildRelayServer({ legacy, resourceUri: CONFIRMED_URIS.stdio })
    .connect(new StdioServerTransport());
  Deno.stderr.writeSync(new TextEncoder().encode(`relay fixture ready legacy=${legacy}\n`));
}
