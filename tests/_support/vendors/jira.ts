/**
 * A Jira Cloud REST v3 stand-in, from the public reference
 * (developer.atlassian.com/cloud/jira/platform/rest/v3): Basic auth with an account email and
 * API token, issue, enhanced JQL search (`GET /rest/api/3/search/jql`, `nextPageToken` paging,
 * `isLast`, the token absent on the last page), create (ADF description), comment, transitions;
 * errors as `{ errorMessages, errors }`, 401 as plain text, 429 with `Retry-After` and
 * `X-RateLimit-*` headers.
 */

import { basicAuth, json, queryOf, type Recorded, type StandIn, startStandIn } from "./stand_in.ts";

/** The account the stand-in accepts. */
export const JIRA_USER = { email: "bot@example.com", token: "ATATT3xFfGF0-jira-token-0001" };

const ISSUE = /^\/rest\/api\/3\/issue\/([A-Z][A-Z0-9_]+-[0-9]+)(\/comment|\/transitions)?$/;

/** Starts the stand-in; `searchPages` is how many pages a search has (`huge` in JQL: endless). */
export function startJira(options: { searchPages?: number } = {}): StandIn {
  return startStandIn((request, { origin }) => {
    if (request.headers.get("authorization") !== basicAuth(JIRA_USER.email, JIRA_USER.token)) {
      return new Response("Client must be authenticated to access this resource.", {
        status: 401,
        headers: { "content-type": "text/plain", "www-authenticate": 'OAuth realm="jira"' },
      });
    }
    if (request.path === "/rest/api/3/search/jql" && request.method === "GET") {
      return search(request, options.searchPages ?? 3);
    }
    if (request.path === "/rest/api/3/issue" && request.method === "POST") {
      return create(request, origin);
    }
    const match = ISSUE.exec(request.path);
    if (match === null) return notFound("Not found");
    const [, key = "", sub] = match;
    if (key === "PROJ-429") return rateLimited();
    if (key === "PROJ-404") {
      return notFound("Issue does not exist or you do not have permission to see it.");
    }
    if (sub === undefined && request.method === "GET") return json(200, issue(key, origin));
    if (sub === "/comment" && request.method === "POST") return comment(origin, key);
    if (sub === "/transitions" && request.method === "GET") return json(200, transitions());
    if (sub === "/transitions" && request.method === "POST") return transition(request);
    return json(405, { errorMessages: ["Method not allowed"], errors: {} });
  });
}

function notFound(message: string): Response {
  return json(404, { errorMessages: [message], errors: {} });
}

function rateLimited(): Response {
  return json(429, { errorMessages: ["Rate limit exceeded."], errors: {} }, {
    "retry-after": "30",
    "x-ratelimit-limit": "100",
    "x-ratelimit-remaining": "0",
    "x-ratelimit-reset": new Date(Date.now() + 30_000).toISOString(),
  });
}

function issue(key: string, origin: string): Record<string, unknown> {
  return {
    expand: "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
    id: "10042",
    self: `${origin}/rest/api/3/issue/10042`,
    key,
    fields: {
      summary: "Login page times out",
      status: { name: "In Progress", id: "3", statusCategory: { key: "indeterminate" } },
      issuetype: { name: "Bug", id: "10004", subtask: false },
      priority: { name: "High", id: "2" },
      assignee: { displayName: "Ada Lovelace", accountId: "5b10a2844c20165700ede21g" },
      reporter: { displayName: "Alan Turing", accountId: "5b10ac8d82e05b22cc7d4ef5" },
      labels: ["login", "timeout"],
      created: "2026-11-02T09:15:00.000+0000",
      updated: "2026-12-01T16:40:12.000+0000",
      description: {
        type: "doc",
        version: 1,
        content: [{ type: "paragraph", content: [{ type: "text", text: "Steps below." }] }],
      },
      customfield_10020: [{ id: 7, name: "Sprint 7", state: "active" }],
    },
    renderedFields: {
      description: "<p>Steps below.</p><ol><li>Open <b>/login</b></li><li>Wait 30&nbsp;s</li></ol>",
    },
  };
}

function search(request: Recorded, pages: number): Response {
  const query = queryOf(request);
  const endless = (query.jql ?? "").includes("huge");
  const page = query.nextPageToken === undefined
    ? 1
    : Number(/^CAEaAggD-page-(\d+)$/.exec(query.nextPageToken)?.[1] ?? NaN);
  if (!Number.isInteger(page)) {
    return json(400, { errorMessages: ["The provided next page token is invalid."], errors: {} });
  }
  if ((query.jql ?? "").includes("=")) {
    const issues = [1, 2].map((n) => ({
      id: String(10000 + page * 10 + n),
      key: `PROJ-${page * 10 + n}`,
      fields: {
        summary: `Issue ${page}.${n}`,
        status: { name: "To Do", id: "1" },
        assignee: null,
        updated: "2026-12-01T10:00:00.000+0000",
      },
    }));
    const last = !endless && page >= pages;
    return json(200, {
      issues,
      isLast: last,
      // Why absent, not null, on the last page: what Jira sends (JRACLOUD-92184).
      ...(last ? {} : { nextPageToken: `CAEaAggD-page-${page + 1}` }),
    });
  }
  return json(400, {
    errorMessages: [`Error in the JQL Query: Expecting operator but got '${query.jql}'.`],
    errors: {},
  });
}

function create(request: Recorded, origin: string): Response {
  const fields = (request.body as { fields?: Record<string, unknown> } | null)?.fields ?? {};
  if (typeof fields.summary !== "string" || fields.summary === "") {
    return json(400, {
      errorMessages: [],
      errors: { summary: "You must specify a summary of the issue." },
    });
  }
  const project = (fields.project as { key?: string } | undefined)?.key;
  if (project !== "PROJ") {
    return json(400, { errorMessages: [], errors: { project: "valid project is required" } });
  }
  return json(201, { id: "10100", key: "PROJ-124", self: `${origin}/rest/api/3/issue/10100` });
}

function comment(origin: string, key: string): Response {
  return json(201, {
    self: `${origin}/rest/api/3/issue/${key}/comment/10500`,
    id: "10500",
    author: { displayName: "Nexus Bot" },
    created: "2026-12-04T23:00:00.000+0000",
    updated: "2026-12-04T23:00:00.000+0000",
  });
}

function transitions(): Record<string, unknown> {
  return {
    expand: "transitions",
    transitions: [
      { id: "21", name: "Start progress", to: { name: "In Progress", id: "3" }, hasScreen: false },
      { id: "31", name: "Done", to: { name: "Done", id: "10001" }, hasScreen: false },
    ],
  };
}

function transition(request: Recorded): Response {
  const id = (request.body as { transition?: { id?: string } } | null)?.transition?.id;
  if (id === "21" || id === "31") return new Response(null, { status: 204 });
  return json(400, {
    errorMessages: [`Transition id '${id}' is not valid for this issue.`],
    errors: {},
  });
}
