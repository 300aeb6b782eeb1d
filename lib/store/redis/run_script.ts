/**
 * Lua scripts and the one way to run them: EVALSHA, and on `NOSCRIPT` (a restarted or flushed
 * Redis, a failover) EVAL with the source, which also puts the script back in Redis's cache.
 */

import { createHash } from "node:crypto";
import { isNoScript, type RedisConnection, type RedisReply } from "./connection.ts";

/** A Lua script with its SHA-1, the name EVALSHA knows it by. */
export interface LuaScript {
  /** A name for errors and logs, such as `sliding_window`. */
  readonly name: string;
  /** The Lua source, sent with EVAL when Redis does not hold the script. */
  readonly source: string;
  /** Lower-case hex SHA-1 of `source`, as EVALSHA names the script. */
  readonly sha: string;
}

/** Wraps a script's source; raises nothing. */
export function defineScript(name: string, source: string): LuaScript {
  // Why: SHA-1 here is the script-cache name Redis itself computes, not a security primitive, so
  // it is not routed through lib/credentials (the crypto seam for secrets).
  const sha = createHash("sha1").update(source).digest("hex");
  return { name, source, sha };
}

/**
 * Runs `script` with `keys` and `args` in one round trip (two after Redis lost its script cache).
 * @throws GatewayError UPSTREAM_UNAVAILABLE when Redis is offline, slow or the script fails.
 */
export async function runScript(
  redis: RedisConnection,
  script: LuaScript,
  keys: readonly string[],
  args: readonly string[],
): Promise<RedisReply> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await redis.command(["EVALSHA", script.sha, ...tail]);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return await redis.command(["EVAL", script.source, ...tail]);
  }
}
