/**
 * `/admin/audit`: read the audit log and follow it.
 *
 * - `GET /?client=&tool=&outcome=&since=&until=&limit=&cursor=` → `{ rows, next? }`, newest
 *   first; `next` is an opaque cursor for the following (older) page. `since`/`until` take an ISO
 *   date, epoch milliseconds or (since only) a duration back from now (`15m`). `after=ID` reads
 *   oldest first from a row id instead (the CLI's tailing).
 * - `GET /tail` (same filters, `after=ID` or `Last-Event-ID` to resume) → `text/event-stream` of
 *   new rows (`audit_tail.ts`).
 * - `GET /stats` → the writer's counters.
 */

import { Hono } from "hono";
import { type AuditStats, parseSince } from "../audit/mod.ts";
import { GatewayError } from "../errors.ts";
import type { AuditFilter, AuditRepo } from "../store/mod.ts";
import type { AdminApp, AdminEnv } from "./admin.ts";
import { auditTailResponse } from "./audit_tail.ts";

/** The most rows one page answers. */
export const MAX_AUDIT_PAGE = 500;
/** The most tails open at once on one instance (each polls the store every second). */
export const MAX_AUDIT_TAILS = 32;

/** What the audit routes read from. */
export interface AdminAuditDeps {
  /** Where the rows are read. */
  repo: AuditRepo;
  /** The writer's counters. */
  stats: () => AuditStats;
  /** Subscribes to "rows were written here"; the tail wakes at once instead of at its next poll. */
  onWritten?: (listener: () => void) => () => void;
  /** Tails open at once; default {@linkcode MAX_AUDIT_TAILS}. */
  maxTails?: number;
  /** How often a tail polls the store for rows other instances wrote; default 1 000 ms. */
  tailPollMs?: number;
  /** The clock for durations in `since`, epoch ms; default `Date.now`. */
  now?: () => number;
}

/** Builds the audit routes. Raises nothing; bad queries answer 400, in the admin shape. */
export function createAdminAuditRoutes(deps: AdminAuditDeps): AdminApp {
  const app = new Hono<AdminEnv>();
  let tails = 0;
  app.get("/", async (c) => {
    const params = new URL(c.req.url).searchParams;
    const filter = readFilter(params, deps.now?.() ?? Date.now());
    const rows = await deps.repo.query(filter);
    const last = rows.at(-1);
    const more = filter.order === "desc" && rows.length === filter.limit && last !== undefined;
    return c.json({ rows, ...(more ? { next: encodeCursor(last.id) } : {}) });
  });
  app.get("/tail", async (c) => {
    const params = new URL(c.req.url).searchParams;
    const { limit: _limit, order: _order, afterId, beforeId: _before, ...filter } = readFilter(
      params,
      deps.now?.() ?? Date.now(),
    );
    const resume = afterId ?? readResume(c.req.header("last-event-id"));
    const most = deps.maxTails ?? MAX_AUDIT_TAILS;
    if (tails >= most) {
      throw new GatewayError("OVERLOADED", `Too many audit tails open: at most ${most}`);
    }
    tails++;
    const response = await auditTailResponse(deps.repo, {
      filter,
      ...(resume === undefined ? {} : { afterId: resume }),
      ...(deps.onWritten ? { onWritten: deps.onWritten } : {}),
      pollMs: deps.tailPollMs ?? 1_000,
      onEnd: () => void tails--,
    }).catch((error) => {
      tails--;
      throw error;
    });
    return response;
  });
  app.get("/stats", (c) => c.json(deps.stats()));
  return app;
}

function readFilter(params: URLSearchParams, now: number): AuditFilter {
  const limit = Number(params.get("limit") ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) {
    throw invalid(`Invalid limit: a whole number from 1 to ${MAX_AUDIT_PAGE}`);
  }
  const after = params.get("after");
  const afterId = after === null ? undefined : Number(after);
  if (afterId !== undefined && !Number.isInteger(afterId)) {
    throw invalid("Invalid after: a record id");
  }
  const cursor = params.get("cursor");
  const beforeId = cursor === null || cursor === "" ? undefined : decodeCursor(cursor);
  const text = (key: string) => params.get(key) || undefined;
  const since = text("since");
  const until = text("until");
  return {
    limit,
    client: text("client"),
    tool: text("tool"),
    outcome: text("outcome"),
    since: since === undefined ? undefined : readInstant(since, now),
    until: until === undefined ? undefined : readInstant(until, now),
    afterId,
    beforeId,
    order: afterId === undefined ? "desc" : "asc",
  };
}

/** Epoch milliseconds as digits, else what `parseSince` reads (a date or a duration back). */
function readInstant(text: string, now: number): number {
  if (/^\d{1,15}$/.test(text)) return Number(text);
  return parseSince(text, now);
}

function readResume(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,15}$/.test(header)) return undefined;
  return Number(header);
}

// Why opaque: the console passes it back untouched, so paging may later key on more than the id.
function encodeCursor(id: number): string {
  return btoa(`b:${id}`).replace(/=+$/, "");
}

function decodeCursor(cursor: string): number {
  let text = "";
  try {
    text = atob(cursor);
  } catch {
    // Answered below.
  }
  const match = /^b:(\d{1,15})$/.exec(text);
  if (match === null) throw invalid("Invalid cursor: pass back the next value of a page");
  return Number(match[1]);
}

function invalid(message: string): GatewayError {
  return new GatewayError("INVALID_INPUT", message);
}
