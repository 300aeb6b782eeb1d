/**
 * The tools of the conformance fixture (`conformance_fixture.ts`): the names, schemas and
 * behaviours the official MCP conformance suite's server scenarios call, read from the scenario
 * sources of `@modelcontextprotocol/conformance@0.2.0-alpha.12`.
 *
 * The tools that need the client (sampling, elicitation, roots) are in
 * `conformance_fixture_input.ts`.
 */

import {
  MissingRequiredClientCapabilityError,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { callInputTool, clientCapabilities } from "./conformance_fixture_input.ts";

/** A 1×1 red PNG. */
export const PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/** A minimal WAV header with two samples. */
export const WAV_BASE64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

/** What a tool handler may use besides its arguments. */
export interface ToolEnv {
  /** Seals a payload into an HMAC-protected `requestState`. */
  mint(payload: unknown, ctx: ServerContext): Promise<string>;
  /** Adds or removes the extra tool / prompt and announces the change. */
  trigger(kind: "tools" | "prompts"): void;
}

type Args = Record<string, unknown>;
type Result = Record<string, unknown>;

const EMPTY = { type: "object", properties: {} } as const;

/** The schema of `json_schema_2020_12_tool`, with every keyword the suite checks. */
const SCHEMA_2020_12 = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  $defs: {
    address: {
      $anchor: "addressDef",
      type: "object",
      properties: { street: { type: "string" }, city: { type: "string" } },
    },
  },
  properties: {
    name: { type: "string" },
    address: { $ref: "#/$defs/address" },
    contactMethod: { type: "string", enum: ["phone", "email"] },
    phone: { type: "string" },
    email: { type: "string" },
  },
  allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
  if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
  then: { required: ["phone"] },
  else: { required: ["email"] },
  additionalProperties: false,
};

/** The tools/list entries, in a fixed order; `test_dynamic_tool` is added by the trigger. */
export const TOOL_DEFINITIONS: readonly Result[] = [
  tool("test_simple_text", "Tests simple text content response"),
  tool("test_image_content", "Tests image content response"),
  tool("test_audio_content", "Tests audio content response"),
  tool("test_embedded_resource", "Tests embedded resource content response"),
  tool("test_multiple_content_types", "Tests text, image and resource content in one response"),
  tool("test_tool_with_logging", "Sends three log messages while it runs"),
  tool("test_tool_with_progress", "Reports progress 0, 50 and 100 of 100"),
  tool("test_error_handling", "Always answers with an error result"),
  tool("test_reconnection", "Closes its SSE stream mid-call, then answers (SEP-1699)"),
  tool("test_sampling", "Asks the client for an LLM completion", {
    type: "object",
    properties: { prompt: { type: "string", description: "The prompt to send to the LLM" } },
    required: ["prompt"],
  }),
  tool("test_elicitation", "Asks the user for input", {
    type: "object",
    properties: { message: { type: "string", description: "The message to show the user" } },
    required: ["message"],
  }),
  tool("test_elicitation_sep1034_defaults", "Elicits with defaults for every primitive type"),
  tool("test_elicitation_sep1330_enums", "Elicits with all five enum schema variants"),
  tool("json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features", SCHEMA_2020_12),
  tool("test_custom_headers", "Mirrors its region argument into an Mcp-Param header", {
    type: "object",
    properties: { region: { type: "string", "x-mcp-header": "Region" } },
    required: ["region"],
  }),
  tool("test_missing_capability", "Needs the sampling capability"),
  tool("test_streaming_elicitation", "Reports progress, then asks for input"),
  tool("test_logging_tool", "Logs one message at info level"),
  tool("test_trigger_tool_change", "Adds or removes test_dynamic_tool"),
  tool("test_trigger_prompt_change", "Adds or removes test_dynamic_prompt"),
  tool("test_input_required_result_elicitation", "Asks for a name, then greets"),
  tool("test_input_required_result_sampling", "Asks the client's model a question"),
  tool("test_input_required_result_list_roots", "Asks for the client's roots"),
  tool("test_input_required_result_request_state", "Round-trips a request state"),
  tool("test_input_required_result_multiple_inputs", "Asks for three inputs at once"),
  tool("test_input_required_result_multi_round", "Asks twice, with evolving state"),
  tool("test_input_required_result_tampered_state", "Rejects a tampered request state"),
  tool("test_input_required_result_capabilities", "Asks only for what the client declared"),
];

/** The tool the trigger adds. */
export const DYNAMIC_TOOL = tool("test_dynamic_tool", "Present after test_trigger_tool_change");

function tool(name: string, description: string, inputSchema: object = EMPTY): Result {
  return { name, description, inputSchema };
}

function text(value: string): Result {
  return { content: [{ type: "text", text: value }] };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Answers one tools/call; throws for an unknown tool (the SDK makes it a JSON-RPC error). */
export async function callTool(
  name: string,
  args: Args,
  ctx: ServerContext,
  env: ToolEnv & { clientCapabilities: () => object | undefined },
): Promise<Result> {
  switch (name) {
    case "test_simple_text":
      return text("This is a simple text response for testing.");
    case "test_image_content":
      return { content: [{ type: "image", data: PNG_BASE64, mimeType: "image/png" }] };
    case "test_audio_content":
      return { content: [{ type: "audio", data: WAV_BASE64, mimeType: "audio/wav" }] };
    case "test_embedded_resource":
      return {
        content: [{
          type: "resource",
          resource: {
            uri: "test://embedded-resource",
            mimeType: "text/plain",
            text: "This is an embedded resource content.",
          },
        }],
      };
    case "test_multiple_content_types":
      return {
        content: [
          { type: "text", text: "Multiple content types test:" },
          { type: "image", data: PNG_BASE64, mimeType: "image/png" },
          {
            type: "resource",
            resource: {
              uri: "test://mixed-content-resource",
              mimeType: "application/json",
              text: JSON.stringify({ test: "data", value: 123 }),
            },
          },
        ],
      };
    case "test_tool_with_logging":
      for (const [i, message] of LOG_LINES.entries()) {
        if (i > 0) await sleep(50);
        await ctx.mcpReq.log("info", message);
      }
      return text("Tool with logging executed successfully");
    case "test_logging_tool":
      await ctx.mcpReq.log("info", "test_logging_tool ran");
      return text("logged");
    case "test_tool_with_progress":
      return await withProgress(ctx);
    case "test_error_handling":
      return { ...text("This tool intentionally returns an error for testing"), isError: true };
    case "test_reconnection":
      ctx.http?.closeSSE?.();
      await sleep(100);
      return text("Reconnection test completed successfully");
    case "json_schema_2020_12_tool":
    case "test_dynamic_tool":
      return text(`${name} called with ${JSON.stringify(args)}`);
    case "test_custom_headers":
      return text(`region=${String(args.region)}`);
    case "test_trigger_tool_change":
      env.trigger("tools");
      return text("tool list changed");
    case "test_trigger_prompt_change":
      env.trigger("prompts");
      return text("prompt list changed");
    case "test_missing_capability":
      if (clientCapabilities(ctx, env.clientCapabilities).sampling === undefined) {
        throw new MissingRequiredClientCapabilityError({ requiredCapabilities: { sampling: {} } });
      }
      return text("the client declared sampling");
    default:
      return await callInputTool(name, args, ctx, env);
  }
}

const LOG_LINES = ["Tool execution started", "Tool processing data", "Tool execution completed"];

async function withProgress(ctx: ServerContext): Promise<Result> {
  const token = ctx.mcpReq._meta?.progressToken;
  for (const progress of [0, 50, 100]) {
    if (progress > 0) await sleep(50);
    if (token === undefined) continue;
    await ctx.mcpReq.notify({
      method: "notifications/progress",
      params: { progressToken: token, progress, total: 100, message: `Completed ${progress}%` },
    });
  }
  return text(`progress reported with token ${String(token)}`);
}

/** The tools whose work needs the client: sampling, elicitation, roots. */
