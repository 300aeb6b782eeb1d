/**
 * A GitHub REST API stand-in, from the public reference (docs.github.com/en/rest): bearer
 * tokens, `Accept: application/vnd.github+json` and `X-GitHub-Api-Version`, repositories, issues,
 * pull requests and their files, issue search, comments; pagination by RFC 8288 `Link` headers
 * (`page`/`per_page`); `x-ratelimit-*` headers on every answer; errors as `{ message,
 * documentation_url }` (422 adds `errors`), a spent quota as 403 with `x-ratelimit-remaining: 0`.
 */

import { json, queryOf, type Recorded, type StandIn, startStandIn } from "./stand_in.ts";

/** The token the stand-in accepts. */
export const GITHUB_TOKEN = "github_pat_11ABCDEFG0_stand-in-token-0001";

const DOCS = "https://docs.github.com/rest";

/** Starts the stand-in; `issuePages` is how many pages a repository's issues span. */
export function startGitHub(options: { issuePages?: number } = {}): StandIn {
  let remaining = 4999;
  return startStandIn((request, { origin }) => {
    if (request.headers.get("authorization") !== `Bearer ${GITHUB_TOKEN}`) {
      return json(401, { message: "Bad credentials", documentation_url: DOCS, status: "401" });
    }
    const reset = String(Math.floor(Date.now() / 1000) + 3600);
    if (request.path.startsWith("/repos/octo/spent")) {
      return json(403, {
        message: "API rate limit exceeded for user ID 1.",
        documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
      }, rateHeaders(0, reset));
    }
    const headers = rateHeaders(remaining--, reset);
    return route(request, { origin, headers, issuePages: options.issuePages ?? 3 });
  });
}

function rateHeaders(remaining: number, reset: string): Record<string, string> {
  return {
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": String(remaining),
    "x-ratelimit-reset": reset,
    "x-ratelimit-used": String(5000 - remaining),
    "x-ratelimit-resource": "core",
  };
}

function route(
  request: Recorded,
  context: { origin: string; headers: Record<string, string>; issuePages: number },
): Response {
  const { origin, headers } = context;
  const path = request.path;
  if (request.method === "GET" && path === "/repos/octo/app") {
    return json(200, repository(origin), headers);
  }
  if (request.method === "GET" && path === "/repos/octo/app/issues") {
    return paged(request, context, (page) => [1, 2].map((n) => issue(origin, page * 10 + n)));
  }
  if (request.method === "GET" && path === "/search/issues") {
    const items = [issue(origin, 7)];
    return json(200, { total_count: 1, incomplete_results: false, items }, headers);
  }
  if (request.method === "GET" && path === "/repos/octo/app/pulls/42") {
    return json(200, pull(origin), headers);
  }
  if (request.method === "GET" && path === "/repos/octo/app/pulls/42/files") {
    const files = [
      { sha: "a1", filename: "src/app.ts", status: "modified", additions: 3, deletions: 1 },
      { sha: "b2", filename: "README.md", status: "added", additions: 10, deletions: 0 },
    ].map((file) => ({ ...file, changes: file.additions + file.deletions, patch: "@@ -1 +1 @@" }));
    return json(200, files, headers);
  }
  if (request.method === "POST" && path === "/repos/octo/app/issues") {
    const body = request.body as { title?: string } | null;
    if (typeof body?.title !== "string" || body.title === "") {
      return json(422, {
        message: "Validation Failed",
        errors: [{ resource: "Issue", code: "missing_field", field: "title" }],
        documentation_url: `${DOCS}/issues/issues#create-an-issue`,
        status: "422",
      }, headers);
    }
    return json(201, issue(origin, 99), headers);
  }
  if (request.method === "POST" && path === "/repos/octo/app/issues/42/comments") {
    return json(201, {
      id: 1_234_567,
      html_url: "https://github.com/octo/app/pull/42#issuecomment-1234567",
      body: (request.body as { body?: string } | null)?.body,
      user: { login: "nexus-bot" },
    }, headers);
  }
  return json(404, { message: "Not Found", documentation_url: DOCS, status: "404" }, headers);
}

function paged(
  request: Recorded,
  context: { origin: string; headers: Record<string, string>; issuePages: number },
  items: (page: number) => unknown[],
): Response {
  const query = queryOf(request);
  const page = Number(query.page ?? "1");
  const url = (n: number) => {
    const next = new URL(request.path, context.origin);
    for (const [name, value] of request.query) {
      if (name !== "page") next.searchParams.set(name, value);
    }
    next.searchParams.set("page", String(n));
    return next.href;
  };
  const links = [
    ...(page < context.issuePages ? [`<${url(page + 1)}>; rel="next"`] : []),
    `<${url(context.issuePages)}>; rel="last"`,
    ...(page > 1 ? [`<${url(1)}>; rel="first"`, `<${url(page - 1)}>; rel="prev"`] : []),
  ];
  return json(200, items(page), { ...context.headers, link: links.join(", ") });
}

function repository(origin: string): Record<string, unknown> {
  return {
    id: 1296269,
    node_id: "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
    name: "app",
    full_name: "octo/app",
    owner: { login: "octo", id: 1, type: "Organization" },
    private: false,
    html_url: "https://github.com/octo/app",
    description: "The app",
    url: `${origin}/repos/octo/app`,
    default_branch: "main",
    visibility: "public",
    archived: false,
    language: "TypeScript",
    topics: ["mcp", "gateway"],
    stargazers_count: 80,
    forks_count: 9,
    open_issues_count: 4,
    pushed_at: "2026-12-03T10:00:00Z",
    permissions: { admin: false, push: true, pull: true },
  };
}

function issue(origin: string, number: number): Record<string, unknown> {
  return {
    id: 1000 + number,
    url: `${origin}/repos/octo/app/issues/${number}`,
    repository_url: `${origin}/repos/octo/app`,
    html_url: `https://github.com/octo/app/issues/${number}`,
    number,
    state: "open",
    title: `Issue ${number}`,
    body: "Long body that select leaves out",
    user: { login: "ada", id: 2 },
    labels: [{ id: 1, name: "bug", color: "f29513" }],
    comments: 1,
    updated_at: "2026-12-01T10:00:00Z",
    reactions: { total_count: 0 },
  };
}

function pull(origin: string): Record<string, unknown> {
  return {
    url: `${origin}/repos/octo/app/pulls/42`,
    number: 42,
    title: "Add integrations",
    body: "Adds six vendors.",
    state: "open",
    draft: false,
    merged: false,
    mergeable_state: "clean",
    user: { login: "ada" },
    head: { ref: "integrations", sha: "6dcb09b" },
    base: { ref: "main", sha: "e5bd391" },
    commits: 3,
    additions: 13,
    deletions: 1,
    changed_files: 2,
    html_url: "https://github.com/octo/app/pull/42",
  };
}
