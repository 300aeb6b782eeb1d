/**
 * `/admin/audit`: read the audit log (`GET ?client=&tool=&since=&after=&limit=`, newest first, or
 * oldest first after `after` for tailing) and the writer's counters (`GET /stats`).
 */

import { Hono } from "hono";
import { type AuditStats, parseSince } from "../audit/mod.ts";
import { GatewayError } from "../errors.ts";
import type { AuditFilter, AuditRepo } from "../store/mod.ts";
import type { AdminApp, AdminEnv } from "./admin.ts";

const MAX_LIMIT = 1000;

/** Builds the audit routes. Raises nothing; bad queries answer 400, in the admin shape. */
export function createAdminAuditRoutes(
  deps: { repo: AuditRepo; stats: () => AuditStats; now?: () => number },
): AdminApp {
  const app = new Hono<AdminEnv>();
  app.get("/", async (c) => {
    const filter = readFilter(new URL(c.req.url).searchParams, deps.now?.() ?? Date.now());
    return c.json({ records: await deps.repo.query(filter) });
  });
  app.get("/stats", (c) => c.json(deps.stats()));
  return app;
}

function readFilter(params: URLSearchParams, now: number): AuditFilter {
  const limit = Number(params.get("limit") ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new GatewayError("INVALID_INPUT", `Invalid limit: a whole number from 1 to ${MAX_LIMIT}`);
  }
  const after = params.get("after");
  const afterId = after === null ? undefined : Number(after);
  if (afterId !== undefined && !Number.isInteger(afterId)) {
    throw new GatewayError("INVALID_INPUT", "Invalid after: a record id");
  }
  const since = params.get("since");
  return {
    limit,
    client: params.get("client") ?? undefined,
    tool: params.get("tool") ?? undefined,
    since: since === null ? undefined : parseSince(since, now),
    afterId,
    order: afterId === undefined ? "desc" : "asc",
  };
}
