import assert from "node:assert/strict";
import { executeTool } from "../../../lib/backends/mod.ts";
import { nextLink } from "../../../lib/backends/http/paginate.ts";
import { executeOptions, httpTool, rejectsWith } from "../_tools.ts";

type Handler = (request: Request, url: URL) => Response;

function serve(handler: Handler) {
  const seen: Request[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (request) => {
    seen.push(request);
    return handler(request, new URL(request.url));
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return { origin, seen, close: () => server.shutdown() };
}

function json(body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { headers });
}

// Slack conversations.list: cursor in response_metadata.next_cursor, "" on the last page.
function slack(request: Request, url: URL): Response {
  if (request.headers.get("authorization") !== "Bearer xoxb-1") {
    return json({ ok: false, error: "not_authed" });
  }
  if (url.searchParams.get("types") === "im") return json({ ok: false, error: "invalid_types" });
  const cursor = url.searchParams.get("cursor") ?? "";
  const page = cursor === "" ? 0 : Number(cursor.replace("dGVhbTpD", ""));
  const next = page < 2 ? `dGVhbTpD${page + 1}` : "";
  return json({
    ok: true,
    channels: [{ id: `C${page}a`, name: `general-${page}` }, { id: `C${page}b`, name: "x" }],
    response_metadata: { next_cursor: next },
  });
}

const SLACK_PAGINATION = {
  style: "cursor",
  maxPages: 5,
  items: "channels",
  cursor: "response_metadata.next_cursor",
  param: "cursor",
} as const;

function slackTool(origin: string, maxPages = 5) {
  return httpTool({
    url: `${origin}/api/conversations.list?types={types}`,
    headers: { Authorization: "Bearer xoxb-1" },
    response: {
      maxBytes: 100_000,
      select: ["items.*.id", "pages", "truncated"],
      errorWhen: { path: "ok", equals: false, message: "error" },
    },
    pagination: { ...SLACK_PAGINATION, maxPages },
  });
}

Deno.test("fetchPages() follows Slack's cursor and concatenates the pages in order", async () => {
  const upstream = serve(slack);
  try {
    const options = executeOptions([upstream.origin]);
    const { result } = await executeTool(slackTool(upstream.origin), { types: "public" }, options);
    assert.deepEqual(result.structuredContent, {
      items: ["C0a", "C0b", "C1a", "C1b", "C2a", "C2b"].map((id) => ({ id })),
      pages: 3,
      truncated: false,
    });
    const cursors = upstream.seen.map((r) => new URL(r.url).searchParams.get("cursor"));
    assert.deepEqual(cursors, [null, "dGVhbTpD1", "dGVhbTpD2"]);
    assert.ok(upstream.seen.every((r) => new URL(r.url).searchParams.get("types") === "public"));
  } finally {
    await upstream.close();
  }
});

Deno.test("fetchPages() stops at maxPages and says the answer is truncated", async () => {
  const upstream = serve(slack);
  try {
    const options = executeOptions([upstream.origin]);
    const { result } = await executeTool(slackTool(upstream.origin, 2), { types: "x" }, options);
    assert.deepEqual(result.structuredContent, {
      items: ["C0a", "C0b", "C1a", "C1b"].map((id) => ({ id })),
      pages: 2,
      truncated: true,
    });
    assert.equal(upstream.seen.length, 2);
  } finally {
    await upstream.close();
  }
});

Deno.test("errorWhen turns Slack's HTTP 200 {ok:false} into an upstream error with its text", async () => {
  const upstream = serve(slack);
  try {
    const options = executeOptions([upstream.origin]);
    const error = await rejectsWith(
      executeTool(slackTool(upstream.origin), { types: "im" }, options),
      "UPSTREAM_ERROR",
      "Upstream reported an error: invalid_types",
    );
    assert.equal(error.upstream?.status, 200);
    // Without pagination too: the rule belongs to the response.
    const single = httpTool({
      url: `${upstream.origin}/api/chat.postMessage`,
      response: { maxBytes: 1000, errorWhen: { path: "ok", equals: false, message: "error" } },
    });
    await rejectsWith(
      executeTool(single, {}, options),
      "UPSTREAM_ERROR",
      "Upstream reported an error: not_authed",
    );
  } finally {
    await upstream.close();
  }
});

Deno.test("link pagination follows GitHub's Link rel=next header", async () => {
  const upstream = serve((_request, url) => {
    const page = Number(url.searchParams.get("page") ?? "1");
    const base = `${url.origin}/repos/o/r/issues?state=open&page=`;
    const links = [`<${base}${page + 1}>; rel="next"`, `<${base}3>; rel="last"`];
    if (page >= 3) links.shift();
    return json([{ number: page * 10 }, { number: page * 10 + 1 }], { link: links.join(", ") });
  });
  try {
    const tool = httpTool({
      url: `${upstream.origin}/repos/o/r/issues?state=open`,
      pagination: { style: "link", maxPages: 10 },
    });
    const { result } = await executeTool(tool, {}, executeOptions([upstream.origin]));
    assert.deepEqual(result.structuredContent, {
      items: [10, 11, 20, 21, 30, 31].map((number) => ({ number })),
      pages: 3,
      truncated: false,
    });
  } finally {
    await upstream.close();
  }
});

Deno.test("nextLink() reads rel=next among several links and relation types", () => {
  assert.equal(
    nextLink('<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"'),
    "https://a/x?page=3",
  );
  assert.equal(nextLink('<https://a/y>; title="t"; rel="last next"'), "https://a/y");
  assert.equal(nextLink('<https://a/x?page=1>; rel="first"'), undefined);
  assert.equal(nextLink(null), undefined);
});

function salesforce(nextFor: (page: number, origin: string) => string | undefined): Handler {
  return (_request, url) => {
    const match = /\/query\/01gD0000002HU6KIAW-(\d+)$/.exec(url.pathname);
    const page = match ? Number(match[1]) : 0;
    const next = nextFor(page, url.origin);
    return json({
      totalSize: 6,
      done: next === undefined,
      ...(next === undefined ? {} : { nextRecordsUrl: next }),
      records: [{ attributes: { type: "Account" }, Id: `001${page}` }],
    });
  };
}

const SOQL = {
  style: "nextUrl",
  maxPages: 5,
  items: "records",
  nextUrl: "nextRecordsUrl",
} as const;

Deno.test("nextUrl pagination follows Salesforce's relative nextRecordsUrl", async () => {
  const upstream = serve(
    salesforce((page) =>
      page < 2 ? `/services/data/v62.0/query/01gD0000002HU6KIAW-${page + 1}` : undefined
    ),
  );
  try {
    const tool = httpTool({
      url: `${upstream.origin}/services/data/v62.0/query?q={soql}`,
      response: { maxBytes: 100_000, select: ["items.*.Id", "truncated"] },
      pagination: SOQL,
    });
    const args = { soql: "SELECT Id FROM Account" };
    const { result } = await executeTool(tool, args, executeOptions([upstream.origin]));
    assert.deepEqual(result.structuredContent, {
      items: [{ Id: "0010" }, { Id: "0011" }, { Id: "0012" }],
      truncated: false,
    });
  } finally {
    await upstream.close();
  }
});

Deno.test("nextUrl pagination refuses a next URL on another origin", async () => {
  const other = serve(() => json({ records: [] }));
  const upstream = serve(salesforce((page) => page === 0 ? `${other.origin}/steal` : undefined));
  try {
    const tool = httpTool({
      url: `${upstream.origin}/services/data/v62.0/query`,
      pagination: SOQL,
    });
    const options = executeOptions([upstream.origin, other.origin]);
    await rejectsWith(executeTool(tool, {}, options), "UPSTREAM_ERROR", /different host/);
    assert.equal(other.seen.length, 0);
  } finally {
    await upstream.close();
    await other.close();
  }
});

Deno.test("pagination bounds all pages together by response.maxBytes", async () => {
  const upstream = serve(slack);
  try {
    const tool = slackTool(upstream.origin);
    const options = executeOptions([upstream.origin]);
    const small = { ...tool.backend, response: { maxBytes: 300 } } as typeof tool.backend;
    const { result } = await executeTool({ ...tool, backend: small }, { types: "x" }, options);
    const structured = result.structuredContent as { pages: number; truncated: boolean };
    assert.ok(structured.pages >= 1 && structured.pages < 3, JSON.stringify(structured));
    assert.equal(structured.truncated, true);
  } finally {
    await upstream.close();
  }
});
