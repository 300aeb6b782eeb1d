/**
 * The Redis implementation of the limit contract: one script per decision, one round trip each,
 * clocked by Redis `TIME` so every instance sees the same windows.
 */

import { GatewayError } from "../../errors.ts";
import type { RedisConnection, RedisReply } from "./connection.ts";
import { redisKey } from "./keys.ts";
import { defineScript, runScript } from "./run_script.ts";
import slidingWindowLua from "./sliding_window.lua" with { type: "text" };
import upstreamReportLua from "./upstream_report.lua" with { type: "text" };
import upstreamTakeLua from "./upstream_take.lua" with { type: "text" };
import type {
  ClockOption,
  LimitCheck,
  LimitStore,
  LimitVerdict,
  UpstreamReport,
  UpstreamVerdict,
} from "./types.ts";

const SLIDING_WINDOW = defineScript("sliding_window", slidingWindowLua);
const UPSTREAM_TAKE = defineScript("upstream_take", upstreamTakeLua);
const UPSTREAM_REPORT = defineScript("upstream_report", upstreamReportLua);

/** Options of {@linkcode createRedisLimitStore}. */
export interface RedisLimitStoreOptions {
  /** Key prefix (`nexus`); tests use their own so runs in parallel never share counters. */
  prefix: string;
  /** Sub-windows per window (lib/limits/README.md). */
  subWindows: number;
}

/** Limit state in Redis, shared by every instance using the same prefix; raises nothing itself. */
export function createRedisLimitStore(
  redis: RedisConnection,
  options: RedisLimitStoreOptions,
): LimitStore {
  const { prefix, subWindows } = options;
  return {
    async decide(checks: readonly LimitCheck[], clock?: ClockOption): Promise<LimitVerdict> {
      const keys = checks.map((check) => redisKey(prefix, "limit", check.id));
      const args = [clockArg(clock), String(subWindows)];
      for (const check of checks) args.push(String(check.limit), String(check.windowMs));
      const reply = numbers(await runScript(redis, SLIDING_WINDOW, keys, args), 5);
      return {
        allowed: reply[0] === 1,
        index: reply[1]! - 1,
        remaining: reply[2]!,
        retryAfterMs: reply[3]!,
        resetAfterMs: reply[4]!,
      };
    },
    async takeUpstream(id: string, clock?: ClockOption): Promise<UpstreamVerdict> {
      const key = redisKey(prefix, "upstream", id);
      const reply = numbers(await runScript(redis, UPSTREAM_TAKE, [key], [clockArg(clock)]), 3);
      return { allowed: reply[0] === 1, remaining: reply[1]!, retryAfterMs: reply[2]! };
    },
    async reportUpstream(id: string, report: UpstreamReport, clock?: ClockOption): Promise<void> {
      const key = redisKey(prefix, "upstream", id);
      const args = [clockArg(clock), String(report.remaining), String(report.resetAfterMs)];
      await runScript(redis, UPSTREAM_REPORT, [key], args);
    },
  };
}

function clockArg(clock: ClockOption | undefined): string {
  return clock?.now === undefined ? "" : String(Math.floor(clock.now));
}

function numbers(reply: RedisReply, length: number): number[] {
  if (
    !Array.isArray(reply) || reply.length !== length || reply.some((v) => typeof v !== "number")
  ) {
    throw new GatewayError("INTERNAL", `Unexpected limit script reply: ${JSON.stringify(reply)}`);
  }
  return reply as number[];
}
