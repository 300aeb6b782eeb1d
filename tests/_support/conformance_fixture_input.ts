/**
 * The conformance fixture's tools whose work needs the client (sampling, elicitation, roots),
 * written once as `input_required` results: a 2026-07-28 client fulfils them and retries; on a
 * 2025 session the SDK's legacy shim sends them as real requests and re-enters the handler.
 * Multi-round tools carry an HMAC-sealed `requestState` (`ToolEnv.mint`).
 */

import {
  type InputRequests,
  inputRequired,
  type ServerContext,
} from "@modelcontextprotocol/server";
import type { ToolEnv } from "./conformance_fixture_tools.ts";

type Args = Record<string, unknown>;
type Result = Record<string, unknown>;

function text(value: string): Result {
  return { content: [{ type: "text", text: value }] };
}

function askName(message: string, key: string): InputRequests {
  return {
    [key]: inputRequired.elicit({
      message,
      requestedSchema: {
        type: "object",
        properties: { name: { type: "string" } },
        required: ["name"],
      },
    }),
  };
}

/** The accepted elicitation content under `key`, or undefined when it is missing or malformed. */
function accepted(ctx: ServerContext, key: string): Args | undefined {
  const response = ctx.mcpReq.inputResponses?.[key];
  if (typeof response !== "object" || response === null) return undefined;
  const { content } = response as { content?: unknown };
  return typeof content === "object" && content !== null ? content as Args : {};
}

function has(ctx: ServerContext, key: string): boolean {
  const response = ctx.mcpReq.inputResponses?.[key];
  return typeof response === "object" && response !== null;
}

function samplingText(ctx: ServerContext, key: string): string {
  const response = ctx.mcpReq.inputResponses?.[key] as { content?: unknown } | undefined;
  const content = response?.content;
  const block = Array.isArray(content) ? content[0] : content;
  return String((block as { text?: unknown } | undefined)?.text ?? "No response");
}

/** The client capabilities of this request: the 2026-07-28 envelope, else the session's. */
export function clientCapabilities(
  ctx: ServerContext,
  sessionCaps: () => object | undefined,
): Args {
  const envelope = (ctx.mcpReq.envelope as Args | undefined)?.[
    "io.modelcontextprotocol/clientCapabilities"
  ];
  return (envelope ?? sessionCaps() ?? {}) as Args;
}

/** The tools whose work needs the client: sampling, elicitation, roots. */
export async function callInputTool(
  name: string,
  args: Args,
  ctx: ServerContext,
  env: ToolEnv & { clientCapabilities: () => object | undefined },
): Promise<Result> {
  switch (name) {
    case "test_sampling":
      if (!has(ctx, "llm")) {
        return ask({
          llm: inputRequired.createMessage({
            messages: [{ role: "user", content: { type: "text", text: String(args.prompt) } }],
            maxTokens: 100,
          }),
        });
      }
      return text(`LLM response: ${samplingText(ctx, "llm")}`);
    case "test_elicitation":
      return elicitOnce(ctx, "User response", {
        message: String(args.message),
        requestedSchema: {
          type: "object",
          properties: { response: { type: "string", description: "User's response" } },
          required: ["response"],
        },
      });
    case "test_elicitation_sep1034_defaults":
      return elicitOnce(ctx, "Elicitation completed", SEP1034_REQUEST);
    case "test_elicitation_sep1330_enums":
      return elicitOnce(ctx, "Elicitation completed", SEP1330_REQUEST);
    case "test_streaming_elicitation": {
      const token = ctx.mcpReq._meta?.progressToken;
      if (token !== undefined) {
        await ctx.mcpReq.notify({
          method: "notifications/progress",
          params: { progressToken: token, progress: 1 },
        });
      }
      return elicitOnce(ctx, "Streaming elicitation", {
        message: "Anything to add?",
        requestedSchema: { type: "object", properties: { note: { type: "string" } } },
      });
    }
    case "test_input_required_result_elicitation": {
      const content = accepted(ctx, "user_name");
      if (typeof content?.name !== "string") return ask(askName("What is your name?", "user_name"));
      return text(`Hello, ${content.name}!`);
    }
    case "test_input_required_result_sampling":
      if (!has(ctx, "capital_question")) {
        return ask({
          capital_question: inputRequired.createMessage({
            messages: [{
              role: "user",
              content: { type: "text", text: "What is the capital of France?" },
            }],
            maxTokens: 100,
          }),
        });
      }
      return text(`The model said: ${samplingText(ctx, "capital_question")}`);
    case "test_input_required_result_list_roots": {
      const response = ctx.mcpReq.inputResponses?.client_roots as { roots?: unknown } | undefined;
      if (!Array.isArray(response?.roots)) {
        return ask({ client_roots: inputRequired.listRoots() });
      }
      const uris = response.roots.map((root) => String((root as { uri?: unknown }).uri));
      return text(`Client roots: ${uris.join(", ")}`);
    }
    default:
      return await callStatefulTool(name, ctx, env);
  }
}

function ask(inputRequests: InputRequests, requestState?: string): Result {
  return inputRequired(
    requestState === undefined ? { inputRequests } : {
      inputRequests,
      requestState,
    },
  ) as unknown as Result;
}

function elicitOnce(
  ctx: ServerContext,
  label: string,
  params: Parameters<typeof inputRequired.elicit>[0],
): Result {
  const response = ctx.mcpReq.inputResponses?.answer as
    | { action?: string; content?: unknown }
    | undefined;
  if (typeof response?.action !== "string") return ask({ answer: inputRequired.elicit(params) });
  return text(
    `${label}: action=${response.action}, content=${JSON.stringify(response.content ?? {})}`,
  );
}

/** The tools that carry `requestState` between rounds (sealed by `env.mint`). */
async function callStatefulTool(
  name: string,
  ctx: ServerContext,
  env: ToolEnv & { clientCapabilities: () => object | undefined },
): Promise<Result> {
  const state = ctx.mcpReq.requestState<{ step?: string } | undefined>() as
    | { step?: string }
    | undefined;
  switch (name) {
    case "test_input_required_result_request_state":
    case "test_input_required_result_tampered_state":
      if (state?.step !== "confirm" || !has(ctx, "confirm")) {
        return ask({
          confirm: inputRequired.elicit({
            message: "Please confirm",
            requestedSchema: {
              type: "object",
              properties: { ok: { type: "boolean" } },
              required: ["ok"],
            },
          }),
        }, await env.mint({ step: "confirm" }, ctx));
      }
      return text("state-ok: the request state came back intact");
    case "test_input_required_result_multiple_inputs": {
      const keys = ["user_name", "greeting", "client_roots"];
      if (state?.step !== "all" || !keys.every((key) => has(ctx, key))) {
        return ask({
          ...askName("What is your name?", "user_name"),
          greeting: inputRequired.createMessage({
            messages: [{ role: "user", content: { type: "text", text: "Generate a greeting" } }],
            maxTokens: 50,
          }),
          client_roots: inputRequired.listRoots(),
        }, await env.mint({ step: "all" }, ctx));
      }
      return text(`Got all three inputs: ${keys.join(", ")}`);
    }
    case "test_input_required_result_multi_round":
      return await multiRound(ctx, state, env);
    case "test_input_required_result_capabilities": {
      const caps = clientCapabilities(ctx, env.clientCapabilities);
      const requests: InputRequests = {};
      if (caps.elicitation !== undefined) Object.assign(requests, askName("Name?", "user_name"));
      if (caps.sampling !== undefined) {
        requests.question = inputRequired.createMessage({
          messages: [{ role: "user", content: { type: "text", text: "Say hi" } }],
          maxTokens: 20,
        });
      }
      if (Object.keys(requests).length === 0 || Object.keys(requests).every((k) => has(ctx, k))) {
        return text("done with what the client can do");
      }
      return ask(requests);
    }
    default:
      throw new Error(`Unknown tool: ${name}`);
  }
}

async function multiRound(
  ctx: ServerContext,
  state: { step?: string } | undefined,
  env: ToolEnv,
): Promise<Result> {
  if (state?.step === "step2" && has(ctx, "step2")) {
    return text(`Done: color=${String(accepted(ctx, "step2")?.color)}`);
  }
  if (state?.step === "step1" && has(ctx, "step1")) {
    return ask({
      step2: inputRequired.elicit({
        message: "Step 2: What is your favorite color?",
        requestedSchema: {
          type: "object",
          properties: { color: { type: "string" } },
          required: ["color"],
        },
      }),
    }, await env.mint({ step: "step2" }, ctx));
  }
  return ask(
    askName("Step 1: What is your name?", "step1"),
    await env.mint({ step: "step1" }, ctx),
  );
}

const SEP1034_REQUEST = {
  message: "Please review and update the form fields with defaults",
  requestedSchema: {
    type: "object" as const,
    properties: {
      name: { type: "string" as const, description: "User name", default: "John Doe" },
      age: { type: "integer" as const, description: "User age", default: 30 },
      score: { type: "number" as const, description: "User score", default: 95.5 },
      status: {
        type: "string" as const,
        description: "User status",
        enum: ["active", "inactive", "pending"],
        default: "active",
      },
      verified: { type: "boolean" as const, description: "Verification status", default: true },
    },
    required: [],
  },
};

const SEP1330_REQUEST = {
  message: "Please select options from the enum fields",
  requestedSchema: {
    type: "object" as const,
    properties: {
      untitledSingle: { type: "string" as const, enum: ["option1", "option2", "option3"] },
      titledSingle: {
        type: "string" as const,
        oneOf: [
          { const: "value1", title: "First Option" },
          { const: "value2", title: "Second Option" },
          { const: "value3", title: "Third Option" },
        ],
      },
      legacyEnum: {
        type: "string" as const,
        enum: ["opt1", "opt2", "opt3"],
        enumNames: ["Option One", "Option Two", "Option Three"],
      },
      untitledMulti: {
        type: "array" as const,
        items: { type: "string" as const, enum: ["option1", "option2", "option3"] },
      },
      titledMulti: {
        type: "array" as const,
        items: {
          anyOf: [
            { const: "value1", title: "First Choice" },
            { const: "value2", title: "Second Choice" },
            { const: "value3", title: "Third Choice" },
          ],
        },
      },
    },
    required: [],
  },
};
