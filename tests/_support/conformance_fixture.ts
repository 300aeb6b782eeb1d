/**
 * The conformance fixture: an SDK v2 MCP server (low-level `Server`) with the tools, prompts,
 * resources and completions the official conformance suite's server scenarios exercise, so that
 * the suite can run against it directly and through the gateway (`scripts/conformance.ts`).
 * Serving (HTTP of both eras, stdio) is in `conformance_fixture_serve.ts`; the tools are in
 * `conformance_fixture_tools.ts`.
 *
 * One `FixtureState` is shared by every server instance of a process: the trigger tools'
 * changes, the HMAC key for `requestState`, and the hooks that announce list changes.
 */

import {
  createRequestStateCodec,
  inputRequired,
  ResourceNotFoundError,
  Server,
  type ServerContext,
} from "@modelcontextprotocol/server";
import {
  callTool,
  DYNAMIC_TOOL,
  PNG_BASE64,
  TOOL_DEFINITIONS,
  type ToolEnv,
} from "./conformance_fixture_tools.ts";

/** What every server instance of one fixture process shares. */
export interface FixtureState {
  dynamicTool: boolean;
  dynamicPrompt: boolean;
  /** Announces a list change to every client of every era. */
  announce(kind: "tools" | "prompts"): void;
  mint(payload: unknown, ctx: ServerContext): Promise<string>;
  verify(state: string, ctx: ServerContext): Promise<unknown>;
}

/** A fresh shared state; `announce` is what the serving code does on a trigger. */
export function createFixtureState(announce: (kind: "tools" | "prompts") => void): FixtureState {
  // Why: one random key per process is enough: every round of a flow reaches this process.
  const codec = createRequestStateCodec<unknown>({
    key: crypto.getRandomValues(new Uint8Array(32)),
  });
  return {
    dynamicTool: false,
    dynamicPrompt: false,
    announce,
    mint: (payload, ctx) => codec.mint(payload, ctx),
    verify: (state, ctx) => codec.verify(state, ctx),
  };
}

/** Builds one server instance over the shared state. */
export function createConformanceServer(state: FixtureState): Server {
  const server = new Server({ name: "nexus-conformance-fixture", version: "1.0.0" }, {
    capabilities: {
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      logging: {},
      completions: {},
    },
    requestState: { verify: state.verify },
  });
  const env: ToolEnv & { clientCapabilities: () => object | undefined } = {
    mint: state.mint,
    trigger(kind) {
      if (kind === "tools") state.dynamicTool = !state.dynamicTool;
      else state.dynamicPrompt = !state.dynamicPrompt;
      state.announce(kind);
    },
    clientCapabilities: () => server.getClientCapabilities(),
  };
  server.setRequestHandler("tools/list", () => ({
    tools: [...TOOL_DEFINITIONS, ...(state.dynamicTool ? [DYNAMIC_TOOL] : [])] as never,
  }));
  server.setRequestHandler("tools/call", async (request, ctx) => {
    const { name, arguments: args } = request.params;
    return await callTool(name, args ?? {}, ctx, env) as never;
  });
  addPrompts(server, state);
  addResources(server);
  server.setRequestHandler("completion/complete", (request) => {
    const value = String(request.params.argument.value);
    const values = ["paris", "park", "party"].filter((word) => word.startsWith(value));
    return { completion: { values, total: values.length, hasMore: false } };
  });
  return server;
}

const PROMPTS = [
  { name: "test_simple_prompt", description: "A simple prompt without arguments" },
  {
    name: "test_prompt_with_arguments",
    description: "A prompt with two required arguments",
    arguments: [
      { name: "arg1", description: "First test argument", required: true },
      { name: "arg2", description: "Second test argument", required: true },
    ],
  },
  {
    name: "test_prompt_with_embedded_resource",
    description: "A prompt that embeds a resource",
    arguments: [{ name: "resourceUri", description: "URI of the resource", required: true }],
  },
  { name: "test_prompt_with_image", description: "A prompt with an image" },
  { name: "test_input_required_result_prompt", description: "A prompt that asks for context" },
];

const DYNAMIC_PROMPT = { name: "test_dynamic_prompt", description: "Present after the trigger" };

function userText(text: string) {
  return { role: "user" as const, content: { type: "text" as const, text } };
}

function addPrompts(server: Server, state: FixtureState): void {
  server.setRequestHandler("prompts/list", () => ({
    prompts: [...PROMPTS, ...(state.dynamicPrompt ? [DYNAMIC_PROMPT] : [])],
  }));
  server.setRequestHandler("prompts/get", (request, ctx) => {
    const { name, arguments: args = {} } = request.params;
    switch (name) {
      case "test_simple_prompt":
      case "test_dynamic_prompt":
        return { messages: [userText("This is a simple prompt for testing.")] };
      case "test_prompt_with_arguments":
        return {
          messages: [
            userText(`Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'`),
          ],
        };
      case "test_prompt_with_embedded_resource":
        return {
          messages: [
            {
              role: "user",
              content: {
                type: "resource",
                resource: {
                  uri: String(args.resourceUri),
                  mimeType: "text/plain",
                  text: "Embedded resource content for testing.",
                },
              },
            },
            userText("Please process the embedded resource above."),
          ],
        };
      case "test_prompt_with_image":
        return {
          messages: [
            { role: "user", content: { type: "image", data: PNG_BASE64, mimeType: "image/png" } },
            userText("Please analyze the image above."),
          ],
        };
      case "test_input_required_result_prompt":
        return contextPrompt(ctx) as never;
      default:
        throw new Error(`Unknown prompt: ${name}`);
    }
  });
}

function contextPrompt(ctx: ServerContext): object {
  const response = ctx.mcpReq.inputResponses?.user_context as
    | { content?: { context?: unknown } }
    | undefined;
  if (typeof response !== "object" || response === null) {
    return inputRequired({
      inputRequests: {
        user_context: inputRequired.elicit({
          message: "What context should the prompt use?",
          requestedSchema: {
            type: "object",
            properties: { context: { type: "string" } },
            required: ["context"],
          },
        }),
      },
    });
  }
  return { messages: [userText(`Use this context: ${String(response.content?.context)}`)] };
}

const RESOURCES = [
  {
    uri: "test://static-text",
    name: "static-text",
    description: "A static text resource",
    mimeType: "text/plain",
  },
  {
    uri: "test://static-binary",
    name: "static-binary",
    description: "A static binary resource (a PNG)",
    mimeType: "image/png",
  },
  {
    uri: "test://watched-resource",
    name: "watched-resource",
    description: "A resource clients may subscribe to",
    mimeType: "text/plain",
  },
];

const TEMPLATE = /^test:\/\/template\/([^/]+)\/data$/;

function addResources(server: Server): void {
  server.setRequestHandler("resources/list", () => ({ resources: RESOURCES }));
  server.setRequestHandler("resources/templates/list", () => ({
    resourceTemplates: [{
      uriTemplate: "test://template/{id}/data",
      name: "template",
      description: "Data for one id",
      mimeType: "application/json",
    }],
  }));
  server.setRequestHandler("resources/read", (request) => {
    const { uri } = request.params;
    if (uri === "test://static-text") {
      return {
        contents: [{
          uri,
          mimeType: "text/plain",
          text: "This is the content of the static text resource.",
        }],
      };
    }
    if (uri === "test://static-binary") {
      return { contents: [{ uri, mimeType: "image/png", blob: PNG_BASE64 }] };
    }
    if (uri === "test://watched-resource") {
      return { contents: [{ uri, mimeType: "text/plain", text: "Watched resource content" }] };
    }
    const id = TEMPLATE.exec(uri)?.[1];
    if (id === undefined) throw new ResourceNotFoundError(uri);
    const text = JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` });
    return { contents: [{ uri, mimeType: "application/json", text }] };
  });
  server.setRequestHandler("resources/subscribe", () => ({}));
  server.setRequestHandler("resources/unsubscribe", () => ({}));
}
