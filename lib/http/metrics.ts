/**
 * `GET /metrics`: the Prometheus text exposition format 0.0.4, behind the admin authentication.
 * The route only: what is measured, and how it is rendered, lives in `lib/metrics/`.
 */

import { Hono } from "hono";
import { type MetricFamily, METRICS_CONTENT_TYPE, renderMetrics } from "../metrics/mod.ts";
import { authenticateAdmin } from "./admin.ts";
import type { AppEnv, HttpApp } from "./app.ts";
import type { HttpAuth } from "./auth.ts";
import type { Logger } from "../log.ts";
import { apiErrorHandler } from "./responses.ts";

/** What `/metrics` is built from. */
export interface MetricsDeps {
  /** The admin authentication `/admin` uses. */
  auth: HttpAuth;
  /** Where a failing `collect()` is logged (the answer names only a request id). */
  logger: Logger;
  /** Reads every metric family at scrape time. */
  collect: () => readonly MetricFamily[] | Promise<readonly MetricFamily[]>;
}

/**
 * Builds the `/metrics` sub-app (mounted at `/metrics`). Raises nothing: refusals and a failing
 * `collect()` (500) are answered in the admin error shape, like `/admin`'s.
 */
export function createMetricsApp(deps: MetricsDeps): HttpApp {
  const app = new Hono<{ Bindings: AppEnv }>();
  app.get("/", async (c) => {
    const admin = await authenticateAdmin(deps.auth, c.req.raw, c.env);
    if (admin instanceof Response) return admin;
    const text = renderMetrics(await deps.collect());
    return c.body(text, 200, {
      "content-type": METRICS_CONTENT_TYPE,
      "cache-control": "no-store",
    });
  });
  app.onError(apiErrorHandler(deps.logger, "Metrics scrape"));
  return app;
}
