/**
 * Every Redis key and channel name the gateway uses, built in one place. The part in braces is the
 * hash tag: Redis Cluster places keys by it, so all keys one script touches share one slot.
 */

/** What a key holds. */
export type RedisKeyKind =
  | "limit"
  | "upstream"
  | "cacheValue"
  | "cacheLock"
  | "cacheChannel"
  | "fanout"
  | "sessionChannel"
  | "sessionEnded"
  | "parkedChannel";

/**
 * The key (or channel) of `kind` for `id` under `prefix`.
 *
 * - `limit`: `{nexus:rl}:perClient:tool:anon:10.0.0.1`. Why one tag for all limit counters: a call
 *   is checked against all its scopes in one atomic script, so they must share a slot.
 * - `upstream`: `{nexus:up}:https://api.example.com#jira`, a backend's reported quota.
 * - `cacheValue` / `cacheLock`: `{nexus:c:<digest>}:v` and `:l`, one slot per cache entry.
 * - `cacheChannel`: `nexus:c:<digest>`, where the leader announces the outcome.
 * - `fanout`: `nexus:fanout:<id>`, where instances announce list, policy and key changes.
 * - `sessionChannel`: `nexus:session:<id>`, where instances pass 2025 session messages.
 * - `sessionEnded`: `{nexus:s:<sid>}:ended`, a 2025 session ended by `DELETE`, kept until its id
 *   expires.
 * - `parkedChannel`: `nexus:parked:<instance>`, one instance's inbox for retries of the calls it
 *   holds parked, and for the outcomes of the retries it forwarded.
 */
export function redisKey(prefix: string, kind: RedisKeyKind, id: string): string {
  switch (kind) {
    case "limit":
      return `{${prefix}:rl}:${id}`;
    case "upstream":
      return `{${prefix}:up}:${id}`;
    case "cacheValue":
      return `{${prefix}:c:${id}}:v`;
    case "cacheLock":
      return `{${prefix}:c:${id}}:l`;
    case "cacheChannel":
      return `${prefix}:c:${id}`;
    case "fanout":
      return `${prefix}:fanout:${id}`;
    case "sessionChannel":
      return `${prefix}:session:${id}`;
    case "sessionEnded":
      return `{${prefix}:s:${id}}:ended`;
    case "parkedChannel":
      return `${prefix}:parked:${id}`;
  }
}
