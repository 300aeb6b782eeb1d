/**
 * A real upstream MCP server offering prompts, resources, a resource template and completions,
 * written with SDK v2 (low-level `Server` behind `createMcpHandler`) and served over Streamable
 * HTTP on 127.0.0.1 (port 0), both eras. Its lists are paged one item per page (so the gateway
 * must follow cursors), its `prompts/list` carries a cache hint (`ttlMs: 2000`, `public`), and
 * `addPrompt` / `touch` announce a list change and a resource update on the 2026-07-28
 * `subscriptions/listen` streams of its clients (the gateway's).
 *
 * Prompts `greet` (argument `name`, completed from alice, albert, bob) and `summarize`; resources
 * `fixture://readme` and `fixture://config`; template `fixture://notes/{id}` (`id` completed from
 * 1, 2, 10), read as `note <id>`; one tool, `ping`.
 */

import {
  createMcpHandler,
  ResourceNotFoundError,
  Server,
  type ServerNotifier,
} from "@modelcontextprotocol/server";

/** A running catalog upstream. */
export interface CatalogUpstream {
  /** The MCP endpoint, `http://127.0.0.1:port/mcp`. */
  url: string;
  /** Adds a prompt and announces `notifications/prompts/list_changed`. */
  addPrompt(name: string): void;
  /** Changes the text of a resource and announces `notifications/resources/updated`. */
  touch(uri: string, text: string): void;
  /** Every `prompts/get` name received. */
  gets(): string[];
  /** Every `resources/read` URI received. */
  reads(): string[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The list TTL the fixture sends with `prompts/list`. */
export const FIXTURE_PROMPTS_TTL_MS = 2000;

/** Starts the fixture (on `port`, default any free one); `await using` closes it. */
export function startCatalogUpstream(options: { port?: number } = {}): CatalogUpstream {
  const prompts = [
    {
      name: "greet",
      description: "Greets someone.",
      arguments: [{ name: "name", required: true }],
    },
    { name: "summarize", description: "Summarizes a topic.", arguments: [{ name: "topic" }] },
  ];
  const texts = new Map([["fixture://readme", "read me"], ["fixture://config", "a = 1"]]);
  const gets: string[] = [];
  const reads: string[] = [];
  const state = { prompts, texts, gets, reads };
  const handler = createMcpHandler(() => buildServer(state), {
    legacy: "stateless",
    keepAliveMs: 0,
  });
  const notify: ServerNotifier = handler.notify;
  const server = Deno.serve(
    { port: options.port ?? 0, hostname: "127.0.0.1", onListen() {} },
    (request) => handler.fetch(request),
  );
  const close = async () => {
    await handler.close();
    await server.shutdown();
  };
  return {
    url: `http://127.0.0.1:${server.addr.port}/mcp`,
    addPrompt(name) {
      prompts.push({ name, description: `Added ${name}.`, arguments: [] });
      notify.promptsChanged();
    },
    touch(uri, text) {
      texts.set(uri, text);
      notify.resourceUpdated(uri);
    },
    gets: () => [...gets],
    reads: () => [...reads],
    close,
    [Symbol.asyncDispose]: close,
  };
}

interface State {
  prompts: Array<{ name: string; description: string; arguments: object[] }>;
  texts: Map<string, string>;
  gets: string[];
  reads: string[];
}

/** One item per page: the cursor is the index of the next item. */
function page<T>(items: readonly T[], cursor: string | undefined): { items: T[]; next?: string } {
  const start = cursor === undefined ? 0 : Number(cursor);
  const next = start + 1 < items.length ? String(start + 1) : undefined;
  return { items: items.slice(start, start + 1), ...(next === undefined ? {} : { next }) };
}

function buildServer(state: State): Server {
  const server = new Server({ name: "catalog-upstream", version: "1.0.0" }, {
    capabilities: {
      tools: {},
      prompts: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      completions: {},
    },
    cacheHints: { "prompts/list": { ttlMs: FIXTURE_PROMPTS_TTL_MS, cacheScope: "public" } },
  });
  server.setRequestHandler("tools/list", () => ({
    tools: [{ name: "ping", inputSchema: { type: "object" } }],
  }));
  server.setRequestHandler("tools/call", () => ({ content: [{ type: "text", text: "pong" }] }));
  server.setRequestHandler("prompts/list", (request) => {
    const { items, next } = page(state.prompts, request.params?.cursor);
    return { prompts: items as never[], ...(next === undefined ? {} : { nextCursor: next }) };
  });
  server.setRequestHandler("prompts/get", (request) => {
    const { name, arguments: args } = request.params;
    state.gets.push(name);
    if (!state.prompts.some((prompt) => prompt.name === name)) {
      throw new Error(`Prompt ${name} not found`);
    }
    return {
      description: `The ${name} prompt.`,
      messages: [{
        role: "user",
        content: { type: "text", text: `${name}: ${JSON.stringify(args ?? {})}` },
      }],
    };
  });
  const resources = () =>
    [...state.texts.keys()].map((uri) => ({ uri, name: uri.slice(10), mimeType: "text/plain" }));
  server.setRequestHandler("resources/list", (request) => {
    const { items, next } = page(resources(), request.params?.cursor);
    return { resources: items, ...(next === undefined ? {} : { nextCursor: next }) };
  });
  server.setRequestHandler("resources/templates/list", () => ({
    resourceTemplates: [{ uriTemplate: "fixture://notes/{id}", name: "note" }],
  }));
  server.setRequestHandler("resources/read", (request) => {
    const uri = request.params.uri;
    state.reads.push(uri);
    const note = /^fixture:\/\/notes\/(\w+)$/.exec(uri);
    const text = state.texts.get(uri) ?? (note ? `note ${note[1]}` : undefined);
    if (text === undefined) throw new ResourceNotFoundError(uri);
    return { contents: [{ uri, mimeType: "text/plain", text }] };
  });
  server.setRequestHandler("completion/complete", (request) => {
    const { ref, argument } = request.params;
    const pool = ref.type === "ref/prompt" && ref.name === "greet"
      ? ["alice", "albert", "bob"]
      : ref.type === "ref/resource" && ref.uri === "fixture://notes/{id}"
      ? ["1", "2", "10"]
      : [];
    const values = pool.filter((value) => value.startsWith(argument.value));
    return { completion: { values, total: values.length, hasMore: false } };
  });
  server.setRequestHandler("resources/subscribe", () => ({}));
  server.setRequestHandler("resources/unsubscribe", () => ({}));
  return server;
}
