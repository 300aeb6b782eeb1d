/**
 * 2025 sessions of two instances (two session tables, each with its own Redis connection, one
 * prefix and one sealer key) served to one real SDK client whose requests go to instance A and
 * whose answers and notifications go to instance B: the elicitation answer and the cancellation
 * cross to A over Redis, B opens the id for its own requests, and a DELETE on B ends the session
 * on A too.
 */

import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { type AuthInfo, inputRequired, inputResponse, Server } from "@modelcontextprotocol/server";
import { z } from "zod";
import { createSessionSealer } from "../../lib/credentials/mod.ts";
import { openSessionPeers } from "../../lib/gateway/session_peers.ts";
import { createLogger } from "../../lib/log.ts";
import { createLegacySessions, type LegacySessions } from "../../lib/mcp/legacy_sessions.ts";
import { waitUntil } from "../_support/gateway.ts";
import { openTestRedis, redisTest, testPrefix } from "../_support/redis.ts";

const URL_ = "http://gateway.test/mcp";
const AUTH: AuthInfo = { token: "", clientId: "alice", scopes: [] };

function text(value: string) {
  return { content: [{ type: "text" as const, text: value }] };
}

/** A server whose `confirm` asks the client and whose `wait` ends when cancelled. */
function factoryFor(cancelled: string[]) {
  return () => {
    const server = new Server({ name: "t", version: "1" }, { capabilities: { tools: {} } });
    server.setRequestHandler("tools/list", () => ({ tools: [] }));
    server.setRequestHandler("tools/call", (request, ctx) => {
      if (request.params.name === "wait") {
        return new Promise((resolve) => {
          ctx.mcpReq.signal.addEventListener("abort", () => {
            cancelled.push("wait");
            resolve(text("cancelled"));
          });
        });
      }
      const answer = inputResponse(ctx.mcpReq.inputResponses, "confirm");
      if (answer.kind === "elicit") return text(`answer: ${JSON.stringify(answer.content)}`);
      return inputRequired({
        inputRequests: {
          confirm: inputRequired.elicit({
            message: String(request.params.arguments?.question ?? "Proceed?"),
            requestedSchema: z.object({ ok: z.boolean() }),
          }),
        },
      });
    });
    return server;
  };
}

/** Requests (a method and an id) go to `requests`; answers and notifications to `rest`. */
function splitFetch(requests: LegacySessions, rest: LegacySessions, seen: string[]): typeof fetch {
  return routedFetch((body) => {
    const isRequest = body === undefined || ("method" in body && "id" in body);
    const what = body === undefined ? "GET" : body.method ?? "answer";
    seen.push(`${isRequest ? "A" : "B"}:${what}`);
    return isRequest ? requests : rest;
  });
}

/** A fetch into the instance `route` picks for each request's parsed body (none for a GET). */
function routedFetch(
  route: (body: Record<string, unknown> | undefined) => LegacySessions,
): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const body = request.method === "POST" ? await request.clone().json() : undefined;
    const target = route(body);
    const answered = await target.serve(request, {
      authInfo: AUTH,
      owner: "alice",
      ...(body === undefined ? {} : { parsedBody: body }),
    });
    return answered ?? new Response("stateless", { status: 418 });
  };
}

/**
 * Two instances' legacy sessions on one Redis prefix, each with its own connection and peers link;
 * `lines` collects both instances' log. Disposing it closes the connections (not the sessions).
 */
function openTwoInstances(cancelled: string[]) {
  const prefix = testPrefix("sessions");
  const redisA = openTestRedis(prefix);
  const redisB = openTestRedis(prefix);
  const lines: string[] = [];
  const logger = createLogger({ level: "info", sink: (line) => lines.push(line) });
  const sealer = createSessionSealer(undefined);
  const instance = (redis: typeof redisA) =>
    createLegacySessions({
      factory: factoryFor(cancelled),
      federates: () => true,
      logger,
      sealer,
      peers: openSessionPeers(redis, { prefix, logger }),
      keepAliveMs: 0,
      maxBodyBytes: 1_000_000,
    });
  return {
    a: instance(redisA),
    b: instance(redisB),
    lines,
    async [Symbol.asyncDispose]() {
      await redisB[Symbol.asyncDispose]();
      await redisA[Symbol.asyncDispose]();
    },
  };
}

redisTest(
  "a session's answers and cancellations landing on another instance reach the call",
  async () => {
    const cancelled: string[] = [];
    await using pair = openTwoInstances(cancelled);
    const { a, b, lines } = pair;
    const seen: string[] = [];
    const client = new Client({ name: "c", version: "1" }, {
      capabilities: { elicitation: { form: {} } },
    });
    client.setRequestHandler("elicitation/create", () => ({
      action: "accept",
      content: { ok: true },
    }));
    const transport = new StreamableHTTPClientTransport(new URL(URL_), {
      fetch: splitFetch(a, b, seen),
    });
    try {
      const listening = () => lines.filter((line) => line.includes("Listening for session")).length;
      assert.ok(await waitUntil(() => listening() === 2, 5_000), lines.join("\n"));
      await client.connect(transport);
      const result = await client.callTool({ name: "confirm", arguments: {} });
      assert.deepEqual(result.content, [{ type: "text", text: 'answer: {"ok":true}' }]);
      assert.ok(seen.includes("B:answer"), `the answer went to B: ${seen.join(",")}`);

      const controller = new AbortController();
      const waiting = client.callTool({ name: "wait", arguments: {} }, {
        signal: controller.signal,
      })
        .catch(() => "aborted");
      assert.ok(await waitUntil(() => seen.includes("A:tools/call") && seen.length > 0, 5_000));
      await new Promise((resolve) => setTimeout(resolve, 100));
      controller.abort();
      assert.equal(await waiting, "aborted");
      assert.ok(await waitUntil(() => cancelled.length === 1, 5_000), "A never saw the cancel");
      assert.ok(seen.includes("B:notifications/cancelled"), seen.join(","));

      const deleted = await b.serve(
        new Request(URL_, {
          method: "DELETE",
          headers: { "mcp-session-id": transport.sessionId! },
        }),
        { authInfo: AUTH, owner: "alice" },
      );
      assert.equal(deleted?.status, 200);
      const onA = await a.serve(
        new Request(URL_, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            "mcp-session-id": transport.sessionId!,
          },
        }),
        { authInfo: AUTH, owner: "alice", parsedBody: { jsonrpc: "2.0", id: 9, method: "ping" } },
      );
      assert.equal(onA?.status, 404);
      await onA?.body?.cancel();
    } finally {
      await client.close().catch(() => {});
      await a.close();
      await b.close();
    }
  },
);

redisTest(
  "two instances' servers of one session ask at once: each answer reaches its own call",
  async () => {
    await using pair = openTwoInstances([]);
    const { a, b, lines } = pair;
    // Why: the "second" call runs on B, every answer goes to A; each server numbers its own requests
    // from 0, so only the instance tag in the id tells the two answers apart.
    const client = new Client({ name: "c", version: "1" }, {
      capabilities: { elicitation: { form: {} } },
    });
    client.setRequestHandler("elicitation/create", (request) => ({
      action: "accept",
      content: { ok: request.params.message === "first" },
    }));
    const transport = new StreamableHTTPClientTransport(new URL(URL_), {
      fetch: routedFetch((body) => {
        const args = (body?.params as { arguments?: { question?: string } } | undefined)?.arguments;
        return args?.question === "second" ? b : a;
      }),
    });
    try {
      const listening = () => lines.filter((line) => line.includes("Listening for session")).length;
      assert.ok(await waitUntil(() => listening() === 2, 5_000), lines.join("\n"));
      await client.connect(transport);
      const [first, second] = await Promise.all(
        ["first", "second"].map((question) =>
          client.callTool({ name: "confirm", arguments: { question } }, { timeout: 10_000 })
        ),
      );
      assert.deepEqual(first!.content, [{ type: "text", text: 'answer: {"ok":true}' }]);
      assert.deepEqual(second!.content, [{ type: "text", text: 'answer: {"ok":false}' }]);
    } finally {
      await client.close().catch(() => {});
      await a.close();
      await b.close();
    }
  },
);
