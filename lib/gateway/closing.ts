/** Closing the gateway once, in dependency order. */

import type { Logger } from "../log.ts";
import type { StdioService } from "../mcp/mod.ts";
import { callTotals } from "./metrics.ts";
import type { GatewayListener } from "./gateway.ts";
import type { GatewayParts } from "./parts.ts";

/** Closes in dependency order: callers first, then the listener, then what calls wrote to. */
export async function closeParts(
  parts: GatewayParts,
  state: {
    logger: Logger;
    mcp: { close(): Promise<void> };
    stdio: readonly StdioService[];
    listener?: GatewayListener;
    stopUpkeep: () => void;
  },
): Promise<void> {
  state.stopUpkeep();
  for (const service of state.stdio) await service.close();
  await state.mcp.close();
  await parts.registry.close();
  // Why after the registry: parked calls are failed first, so retries forwarded here end too.
  parts.closeParked();
  await state.listener?.shutdown();
  await parts.limits.close();
  await parts.databases.close();
  // Why after the listener: every call that finished is in the audit buffer by now.
  await parts.security.close();
  await parts.store.close();
  state.logger.info("Nexus stopped", { toolCalls: callTotals(parts.metrics.calls) });
}

/** `run` calls `fn` the first time and returns that same promise ever after. */
export function once(fn: () => Promise<void>): { run(): Promise<void>; started(): boolean } {
  const memo: { running?: Promise<void> } = {};
  return {
    run: () => memo.running ??= fn(),
    started: () => memo.running !== undefined,
  };
}
