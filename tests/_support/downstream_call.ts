/** A `DownstreamCall` that records what the gateway sends its client, for relay and parking tests. */

import type { DownstreamCall } from "../../lib/registry/mod.ts";

/** A modern-era client of `principalId` accepting every request kind; `sent` collects its news. */
export function recordingDownstream(
  principalId: string,
  extra: Partial<DownstreamCall> = {},
): DownstreamCall & { sent: unknown[] } {
  const sent: unknown[] = [];
  return {
    era: "modern",
    principalId,
    notify: (notification) => Promise.resolve(void sent.push(notification)),
    log: (params) => Promise.resolve(void sent.push(params)),
    accepts: { elicitation: true, sampling: true, roots: true },
    sent,
    ...extra,
  };
}
