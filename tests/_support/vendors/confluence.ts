/**
 * A Confluence Cloud stand-in, from the public REST references: Basic auth with an account email
 * and API token; CQL search (v1, `GET /wiki/rest/api/search`, `{ results, start, limit, size,
 * totalSize, _links }`, errors `{ statusCode, message }`); pages (v2, `GET /wiki/api/v2/pages/{id}`
 * with `body-format=storage`, `POST /wiki/api/v2/pages`; errors `{ errors: [{ status, code,
 * title, detail }] }`).
 */

import { basicAuth, json, queryOf, type Recorded, type StandIn, startStandIn } from "./stand_in.ts";

/** The account the stand-in accepts. */
export const CONFLUENCE_USER = { email: "bot@example.com", token: "ATATT3xFfGF0-conf-token-0002" };

/** A page body in storage format, as Confluence stores it (XHTML with `ac:` macros). */
export const STORAGE_BODY = "<h1>Onboarding</h1><p>Welcome to <strong>ENG</strong>&nbsp;team.</p>" +
  '<ac:structured-macro ac:name="info"><ac:rich-text-body><p>Ask in #help.</p>' +
  "</ac:rich-text-body></ac:structured-macro><table><tbody><tr><th>Day</th><th>Task</th></tr>" +
  "<tr><td>1</td><td>Laptop &amp; accounts</td></tr></tbody></table>" +
  '<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[npm ci]]>' +
  "</ac:plain-text-body></ac:structured-macro>";

/** Starts the stand-in. */
export function startConfluence(): StandIn {
  return startStandIn((request, { origin }) => {
    if (
      request.headers.get("authorization") !==
        basicAuth(CONFLUENCE_USER.email, CONFLUENCE_USER.token)
    ) {
      return json(401, {
        statusCode: 401,
        message: "Current user not permitted to use Confluence",
      });
    }
    if (request.path === "/wiki/rest/api/search" && request.method === "GET") {
      return search(request, origin);
    }
    if (request.path === "/wiki/api/v2/pages" && request.method === "POST") return create(request);
    const page = /^\/wiki\/api\/v2\/pages\/(\d+)$/.exec(request.path);
    if (page !== null && request.method === "GET") return getPage(page[1] ?? "", request);
    return v2Error(404, "NOT_FOUND", "Not Found");
  });
}

function v2Error(status: number, code: string, title: string, detail: string | null = null) {
  return json(status, { errors: [{ status, code, title, detail }] });
}

function search(request: Recorded, origin: string): Response {
  const query = queryOf(request);
  if (!(query.cql ?? "").includes("=") && !(query.cql ?? "").includes("~")) {
    return json(400, {
      statusCode: 400,
      data: { authorized: false, valid: false, errors: [], successful: false },
      message: `Could not parse cql : ${query.cql}`,
    });
  }
  const results = [{
    content: {
      id: "65601",
      type: "page",
      status: "current",
      title: "Onboarding",
      _links: { webui: "/spaces/ENG/pages/65601/Onboarding" },
    },
    title: "@@@hl@@@Onboarding@@@endhl@@@",
    excerpt: "Welcome to <b>ENG</b> team &amp; friends",
    url: "/spaces/ENG/pages/65601/Onboarding",
    resultGlobalContainer: { title: "Engineering", displayUrl: "/spaces/ENG" },
    entityType: "content",
    lastModified: "2026-11-30T12:00:00.000Z",
    friendlyLastModified: "Nov 30, 2026",
    score: 1.2,
  }];
  return json(200, {
    results,
    start: 0,
    limit: Number(query.limit ?? "25"),
    size: 1,
    totalSize: 1,
    cqlQuery: query.cql,
    searchDuration: 12,
    _links: { base: `${origin}/wiki`, context: "/wiki" },
  });
}

function getPage(id: string, request: Recorded): Response {
  if (id === "404") return v2Error(404, "NOT_FOUND", "Not Found");
  const format = queryOf(request)["body-format"];
  return json(200, {
    id,
    status: "current",
    title: "Onboarding",
    spaceId: "98305",
    parentId: "65540",
    parentType: "page",
    authorId: "557058:f0c2d1",
    createdAt: "2026-11-01T09:00:00.000Z",
    version: { number: 7, message: "", minorEdit: false, authorId: "557058:f0c2d1" },
    body: format === "storage"
      ? { storage: { value: STORAGE_BODY, representation: "storage" } }
      : {},
    _links: { webui: `/spaces/ENG/pages/${id}/Onboarding`, editui: "/pages/resumedraft.action" },
  });
}

function create(request: Recorded): Response {
  const body = request.body as { title?: string; spaceId?: string } | null;
  if (body?.title === "Onboarding") {
    return v2Error(
      400,
      "BAD_REQUEST",
      "A page with this title already exists",
      "A page already exists with the same TITLE in this space",
    );
  }
  return json(200, {
    id: "70001",
    status: "current",
    title: body?.title,
    spaceId: body?.spaceId,
    version: { number: 1 },
    _links: { webui: "/spaces/ENG/pages/70001" },
  });
}
