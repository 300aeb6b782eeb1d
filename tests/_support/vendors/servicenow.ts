/**
 * A ServiceNow Table API stand-in (incidents), from the public REST API reference: Basic auth,
 * `GET/POST /api/now/table/incident`, `PATCH /api/now/table/incident/{sys_id}`, `sysparm_*`
 * parameters, answers wrapped in `{ result }`, paging by `Link` headers with `sysparm_offset`
 * (first, prev, next, last), `X-Total-Count`; errors as `{ error: { message, detail }, status:
 * "failure" }`, rate limits as 429 with `Retry-After` and `X-RateLimit-*`.
 */

import { basicAuth, json, queryOf, type Recorded, type StandIn, startStandIn } from "./stand_in.ts";

/** The integration user the stand-in accepts. */
export const SERVICENOW_USER = { username: "nexus.integration", password: "sn-Pa55word-0001" };

const TABLE = "/api/now/table/incident";
const TOTAL = 12;

/** Starts the stand-in. */
export function startServiceNow(): StandIn {
  return startStandIn((request, { origin }) => {
    const expected = basicAuth(SERVICENOW_USER.username, SERVICENOW_USER.password);
    if (request.headers.get("authorization") !== expected) {
      return failure(401, "User Not Authenticated", "Required to provide Auth information");
    }
    const query = queryOf(request);
    if ((query.sysparm_query ?? "").startsWith("priority=429")) {
      return json(429, failureBody("Rate limit exceeded", "Too many requests"), {
        "retry-after": "20",
        "x-ratelimit-limit": "1000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 20),
      });
    }
    if (request.path === TABLE && request.method === "GET") return list(request, origin);
    if (request.path === TABLE && request.method === "POST") return create(request);
    const match = /^\/api\/now\/table\/incident\/([0-9a-f]{32})$/.exec(request.path);
    if (match !== null && request.method === "PATCH") return update(request, match[1] ?? "");
    return failure(400, "Requested URI does not represent any resource", request.path);
  });
}

function failureBody(message: string, detail: string): Record<string, unknown> {
  return { error: { message, detail }, status: "failure" };
}

function failure(status: number, message: string, detail: string): Response {
  return json(status, failureBody(message, detail));
}

function incident(n: number): Record<string, string> {
  return {
    sys_id: n.toString(16).padStart(32, "a"),
    number: `INC00100${String(n).padStart(2, "0")}`,
    short_description: `VPN drops ${n}`,
    description: "Users lose VPN every hour",
    state: "In Progress",
    priority: "2 - High",
    urgency: "2 - Medium",
    impact: "2 - Medium",
    caller_id: "Abel Tuter",
    assignment_group: "Network",
    assigned_to: "Beth Anglin",
    opened_at: "2026-12-01 09:00:00",
    sys_updated_on: "2026-12-04 18:00:00",
  };
}

function list(request: Recorded, origin: string): Response {
  const query = queryOf(request);
  const filter = query.sysparm_query ?? "";
  if (filter.startsWith("number=")) {
    const number = filter.slice("number=".length);
    const found = number === "INC0010001" ? [incident(1)] : [];
    return json(200, { result: found }, { "x-total-count": String(found.length) });
  }
  if (filter.startsWith("bogus")) {
    return failure(400, "Invalid query", `Unknown field bogus in table incident`);
  }
  const limit = Number(query.sysparm_limit ?? "10000");
  const offset = Number(query.sysparm_offset ?? "0");
  const rows = Array.from(
    { length: Math.max(0, Math.min(limit, TOTAL - offset)) },
    (_, i) => incident(offset + i + 1),
  );
  const link = (at: number, rel: string) => {
    const url = new URL(TABLE, origin);
    for (const [name, value] of request.query) {
      if (name !== "sysparm_offset") url.searchParams.set(name, value);
    }
    url.searchParams.set("sysparm_offset", String(at));
    return `<${url.href}>;rel="${rel}"`;
  };
  const last = Math.floor((TOTAL - 1) / limit) * limit;
  const links = [
    link(0, "first"),
    ...(offset + limit < TOTAL ? [link(offset + limit, "next")] : []),
  ];
  links.push(link(last, "last"));
  return json(200, { result: rows }, { link: links.join(","), "x-total-count": String(TOTAL) });
}

function create(request: Recorded): Response {
  const body = request.body as Record<string, unknown> | null;
  if (typeof body?.short_description !== "string") {
    return failure(
      403,
      "Operation Failed",
      "Data Policy Exception: Short description is mandatory",
    );
  }
  return json(201, {
    result: {
      number: "INC0010099",
      sys_id: "f".repeat(32),
      state: "New",
      short_description: body.short_description,
    },
  }, { location: `/api/now/table/incident/${"f".repeat(32)}` });
}

function update(request: Recorded, sysId: string): Response {
  if (sysId === "0".repeat(32)) {
    return failure(
      404,
      "No Record found",
      "Record doesn't exist or ACL restricts the record retrieval",
    );
  }
  return json(200, { result: { ...incident(1), ...(request.body as object), sys_id: sysId } });
}
