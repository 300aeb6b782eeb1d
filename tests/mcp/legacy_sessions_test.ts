import assert from "node:assert/strict";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { type AuthInfo, Server } from "@modelcontextprotocol/server";
import { createSessionSealer, type SessionSealer } from "../../lib/credentials/mod.ts";
import { createLogger } from "../../lib/log.ts";
import { createLegacySessions, type LegacySessions } from "../../lib/mcp/legacy_sessions.ts";

const URL_ = "http://gateway.test/mcp";
const AUTH: AuthInfo = { token: "", clientId: "alice", scopes: [] };

function factory(): Server {
  const server = new Server({ name: "t", version: "1" }, { capabilities: { tools: {} } });
  server.setRequestHandler("tools/list", () => ({ tools: [] }));
  return server;
}

function sessionsFor(
  options: {
    federates?: boolean;
    maxSessions?: number;
    idleMs?: number;
    ttlMs?: number;
    now?: () => number;
    sealer?: SessionSealer;
  },
) {
  return createLegacySessions({
    factory,
    federates: () => options.federates ?? true,
    logger: createLogger({ level: "error", sink: () => {} }),
    keepAliveMs: 0,
    maxBodyBytes: 1_000_000,
    ...(options.maxSessions === undefined ? {} : { maxSessions: options.maxSessions }),
    ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
    ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.sealer === undefined ? {} : { sealer: options.sealer }),
  });
}

/** A fetch into `sessions` as `owner`; stateless requests get 418 so a test sees them. */
function fetchInto(sessions: LegacySessions, owner: string, seen: string[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const text = request.method === "POST" ? await request.clone().text() : "";
    const parsedBody = text === "" ? undefined : JSON.parse(text);
    const answered = await sessions.serve(request, {
      authInfo: AUTH,
      owner,
      ...(parsedBody === undefined ? {} : { parsedBody }),
    });
    seen.push(answered === undefined ? "stateless" : String(answered.status));
    return answered ?? new Response("stateless", { status: 418 });
  };
}

function initialize(capabilities: Record<string, unknown>): Request {
  return new Request(URL_, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities,
        clientInfo: { name: "raw", version: "1" },
      },
    }),
  });
}

/** A 2025-11-25 POST in session `id` (the message itself goes in as the parsed body). */
function sessionPost(id: string, body?: string): Request {
  return new Request(URL_, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": id,
      "mcp-protocol-version": "2025-11-25",
    },
    body,
  });
}

async function serveRaw(sessions: LegacySessions, request: Request) {
  const parsedBody = await request.clone().json();
  const response = await sessions.serve(request, {
    authInfo: AUTH,
    owner: "alice",
    parsedBody,
  });
  await response?.body?.cancel();
  return response;
}

Deno.test("a 2025 client declaring elicitation gets a session; its requests reach it", async () => {
  const sessions = sessionsFor({});
  const seen: string[] = [];
  const client = new Client({ name: "c", version: "1" }, {
    capabilities: { elicitation: { form: {} } },
  });
  const transport = new StreamableHTTPClientTransport(new URL(URL_), {
    fetch: fetchInto(sessions, "alice", seen),
  });
  try {
    await client.connect(transport);
    assert.match(transport.sessionId ?? "", /^s1\.0\.[A-Za-z0-9_-]+$/);
    assert.deepEqual((await client.listTools()).tools, []);
    assert.ok(!seen.includes("stateless"), seen.join(","));
  } finally {
    await client.close();
    await sessions.close();
  }
});

Deno.test("sessions go only where needed: no capability, no federated tool, or the cap reached", async () => {
  const plain = sessionsFor({});
  assert.equal(await serveRaw(plain, initialize({})), undefined);
  assert.equal(await serveRaw(plain, initialize({ experimental: {} })), undefined);
  const noUpstreams = sessionsFor({ federates: false });
  assert.equal(await serveRaw(noUpstreams, initialize({ roots: {} })), undefined);
  const capped = sessionsFor({ maxSessions: 1 });
  const first = await serveRaw(capped, initialize({ sampling: {} }));
  assert.equal(first?.status, 200);
  assert.ok(first?.headers.get("mcp-session-id"));
  assert.equal(await serveRaw(capped, initialize({ sampling: {} })), undefined);
  await capped.close();
});

Deno.test("a session answers 404 to another principal, after DELETE, and once expired; idling only drops its server", async () => {
  let clock = Date.now();
  const sessions = sessionsFor({ idleMs: 100, ttlMs: 60_000, now: () => clock });
  const opened = await serveRaw(sessions, initialize({ elicitation: {} }));
  const id = opened!.headers.get("mcp-session-id")!;
  function list(owner: string): Promise<Response | undefined> {
    return sessions.serve(
      sessionPost(id, "{}"),
      {
        authInfo: AUTH,
        owner,
        parsedBody: { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} },
      },
    );
  }
  const other = await list("mallory");
  assert.equal(other?.status, 404);
  await other?.body?.cancel();
  const own = await list("alice");
  assert.equal(own?.status, 200);
  await own?.body?.cancel();
  await new Promise((resolve) => setTimeout(resolve, 250));
  // Why 200: the idle server was dropped, and the sealed id rebuilds it.
  const idle = await list("alice");
  assert.equal(idle?.status, 200);
  await idle?.body?.cancel();
  clock += 60_000;
  const expired = await list("alice");
  assert.equal(expired?.status, 404);
  assert.equal((await expired!.json()).error.code, -32001);
  clock -= 60_000;

  const again = await serveRaw(sessions, initialize({ elicitation: {} }));
  const second = again!.headers.get("mcp-session-id")!;
  const deleted = await sessions.serve(
    new Request(URL_, {
      method: "DELETE",
      headers: { "mcp-session-id": second, "mcp-protocol-version": "2025-11-25" },
    }),
    { authInfo: AUTH, owner: "alice" },
  );
  assert.equal(deleted?.status, 200);
  const gone = await sessions.serve(
    new Request(URL_, {
      method: "DELETE",
      headers: { "mcp-session-id": second, "mcp-protocol-version": "2025-11-25" },
    }),
    { authInfo: AUTH, owner: "alice" },
  );
  assert.equal(gone?.status, 404);
  await gone?.body?.cancel();
  await sessions.close();
});

Deno.test("an instance that never saw a session serves concurrent first requests of its id", async () => {
  const sealer = createSessionSealer(undefined);
  const opening = sessionsFor({ sealer });
  const other = sessionsFor({ sealer });
  const opened = await serveRaw(opening, initialize({ elicitation: {} }));
  const id = opened!.headers.get("mcp-session-id")!;
  const answers = await Promise.all([1, 2, 3].map(async (n) => {
    const response = await other.serve(
      sessionPost(id),
      {
        authInfo: AUTH,
        owner: "alice",
        parsedBody: { jsonrpc: "2.0", id: n, method: "tools/list", params: {} },
      },
    );
    return `${response?.status} ${await response?.text()}`;
  }));
  for (const answer of answers) assert.match(answer, /^200 .*"tools":\[\]/s);
  await opening.close();
  await other.close();
});
