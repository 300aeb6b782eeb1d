/**
 * `GET /admin/overview`: the console's front page in one read: version, this instance (ready,
 * draining, uptime), the store and Redis, call totals since start, and the last hour a point per
 * minute, from the same figures as `/metrics`.
 */

import { Hono } from "hono";
import type { AdminApp, AdminEnv } from "./admin.ts";

/** The overview's answer. */
export interface AdminOverview {
  /** The gateway's version. */
  version: string;
  /** This instance: ready (every check passed), draining, seconds since start. */
  instance: { ready: boolean; draining: boolean; uptimeSeconds: number };
  /** The store in use and whether it answers. */
  store: { kind: "postgres" | "embedded"; ok: boolean };
  /** Whether Redis is configured and answers. */
  redis: { configured: boolean; ok: boolean };
  /** Calls since start (errors: every outcome but `ok`), cache and limit counters. */
  totals: {
    calls: number;
    errors: number;
    cacheHits: number;
    cacheMisses: number;
    limitRejections: number;
  };
  /** The last `minutes` minutes, a point per minute, oldest first. */
  window: {
    minutes: number;
    points: Array<{
      t: number;
      calls: number;
      errors: number;
      p50Ms: number;
      p99Ms: number;
      cacheHits: number;
      cacheMisses: number;
      limitRejections: number;
    }>;
  };
}

/** Builds the overview route on `read`. Raises nothing; failures answer in the admin shape. */
export function createAdminOverviewRoutes(read: () => Promise<AdminOverview>): AdminApp {
  const app = new Hono<AdminEnv>();
  app.get("/", async (c) => c.json(await read()));
  return app;
}
