/**
 * The admin API routes behind the web console, built over the open parts: `/overview`,
 * `/tools` (`console_tools.ts`) and `/upstreams` (`console_upstreams.ts`). Everything the
 * console does goes through these and the other admin routes, so it has no authority of its own,
 * and every write is audited by the admin app (`lib/http/admin.ts`).
 */

import type { Hono } from "hono";
import {
  type AdminEnv,
  type AdminOverview,
  createAdminOverviewRoutes,
  createAdminToolRoutes,
  createAdminUpstreamRoutes,
  type Readiness,
} from "../http/mod.ts";
import { VERSION } from "../version.ts";
import { callTotals } from "./metrics.ts";
import { type ConsoleCall, consoleTools } from "./console_tools.ts";
import { consoleUpstreams } from "./console_upstreams.ts";
import type { GatewayParts } from "./parts.ts";

/** What the console routes read besides the parts. */
export interface ConsoleOptions {
  /** Runs one test call through the pipeline. */
  call: ConsoleCall;
  /** The readiness checks (store, Redis, closing). */
  ready: () => Promise<Readiness>;
  /** Whether a drain started. */
  draining: () => boolean;
  /** When this instance started, epoch ms. */
  startedAt: number;
  /** Told the upstream whose pins an approval here changed (announced to other instances). */
  onPinsApproved?: (upstream: string) => void;
}

/** The console's admin route sub-apps by mount path. Raises nothing. */
export function consoleRoutes(
  parts: GatewayParts,
  options: ConsoleOptions,
): Record<string, Hono<AdminEnv>> {
  return {
    "/overview": createAdminOverviewRoutes(() => overview(parts, options)),
    "/tools": createAdminToolRoutes(consoleTools(parts, options.call)),
    "/upstreams": createAdminUpstreamRoutes(
      consoleUpstreams(parts, { onApproved: options.onPinsApproved }),
    ),
  };
}

async function overview(parts: GatewayParts, options: ConsoleOptions): Promise<AdminOverview> {
  const { checks, ready } = await options.ready();
  const rows = callTotals(parts.metrics.calls);
  const sum = (keep: (outcome: string) => boolean) =>
    rows.filter((row) => keep(row.outcome)).reduce((total, row) => total + row.count, 0);
  const window = parts.metrics.window;
  return {
    version: VERSION,
    instance: {
      ready,
      draining: options.draining(),
      uptimeSeconds: Math.floor((Date.now() - options.startedAt) / 1000),
    },
    store: {
      kind: parts.store.dialect === "postgres" ? "postgres" : "embedded",
      ok: checks.store === "ok",
    },
    redis: { configured: parts.limits.mode === "redis", ok: checks.redis === "ok" },
    totals: {
      calls: sum(() => true),
      errors: sum((outcome) => outcome !== "ok"),
      ...parts.metrics.totals(),
    },
    window: { minutes: window.minutes, points: window.points() },
  };
}
