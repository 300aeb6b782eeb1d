/**
 * The admin console's upstream views over the live upstream set (`/admin/upstreams`): what
 * `nexus upstreams list` shows, and the pin review and approval `nexus upstreams diff|approve`
 * run (the same `reviewPins` / `approveListed`).
 */

import type { AdminPinView, AdminUpstreamsDeps, AdminUpstreamView } from "../http/mod.ts";
import { approveListed, type PinCheck, reviewPins } from "../upstreams/mod.ts";
import type { UpstreamReport } from "../upstreams/mod.ts";
import type { GatewayParts } from "./parts.ts";

/**
 * The `/admin/upstreams` dependencies over `parts`; `onApproved` is told the upstream whose pins
 * an approval changed, once this instance listed it again. Raises nothing itself.
 */
export function consoleUpstreams(
  parts: GatewayParts,
  hooks: { onApproved?: (upstream: string) => void } = {},
): AdminUpstreamsDeps {
  const { registry, store } = parts;
  return {
    list() {
      const catalogs = new Map(registry.upstreams.catalogs().map((c) => [c.upstream, c]));
      return Promise.resolve(
        registry.upstreams.reports().map((report) => {
          const catalog = catalogs.get(report.name);
          return upstreamView(report, {
            prompts: catalog?.prompts.length ?? 0,
            resources: (catalog?.resources.length ?? 0) + (catalog?.templates.length ?? 0),
          });
        }),
      );
    },
    async diff(name) {
      // Why wake: a `start: lazy` upstream is listed at first use; the console counts as one.
      await registry.wake();
      const { checks } = await reviewPins(registry.upstreams, store.pins, name);
      return checks.map(pinView);
    },
    async approve(name, options) {
      await registry.wake();
      const approved = await approveListed(registry.upstreams, store.pins, name, options);
      if (approved.length > 0) {
        // Why refresh: withheld tools are served once the upstream is listed against the new pins.
        await registry.upstreams.refresh(name);
        hooks.onApproved?.(name);
      }
      return approved;
    },
  };
}

function upstreamView(
  report: UpstreamReport,
  counts: { prompts: number; resources: number },
): AdminUpstreamView {
  const { state } = report;
  return {
    name: report.name,
    transport: report.url === undefined ? "stdio" : "http",
    state: state.status,
    ...(state.protocolVersion === undefined ? {} : { protocolVersion: state.protocolVersion }),
    tools: report.tools,
    ...counts,
    ...(state.lastError === undefined ? {} : { lastError: state.lastError }),
    circuit: report.breaker.state,
    restarts: state.restarts,
    pendingApprovals: report.withheld,
    start: report.start,
    ...(report.url === undefined ? {} : { url: report.url }),
    ...(report.perClient ? { children: state.children ?? 0 } : {}),
  };
}

function pinView(check: PinCheck): AdminPinView {
  return {
    tool: check.tool,
    status: check.status,
    hiddenUnicode: check.hidden.length > 0,
    hidden: check.hidden,
    changes: check.changes,
    diff: {
      before: check.pin === undefined ? null : JSON.parse(check.pin.definition),
      after: JSON.parse(check.definition),
    },
  };
}
