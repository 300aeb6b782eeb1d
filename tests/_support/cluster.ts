/**
 * Several real gateway processes sharing one Redis under a test-specific key prefix, each with an
 * SDK client, for the end-to-end limit and cache tests; and a tool file pointing at a test upstream.
 */

import { type Client, ProtocolError } from "@modelcontextprotocol/client";
import type { CallToolResult } from "@modelcontextprotocol/client";
import { connect, type Gateway, startGateway } from "./gateway.ts";
import { createToolsDir, type ToolsDir } from "./registry_fixtures/tools_dir.ts";

/** A running gateway and a 2026-07-28 client connected to it. */
/**
 * Env for gateways in tests that count exact outcomes. Why: on a loaded CI machine a Redis reply may
 * take longer than the 250 ms default, which would (correctly) bypass the cache or fail a limit
 * closed.
 */
export const PATIENT_REDIS_ENV = { NEXUS_REDIS_TIMEOUT_MS: "2000" };

export interface Member {
  gateway: Gateway;
  client: Client & AsyncDisposable;
}

/** Gateways that share Redis; `await using` stops them all. */
export interface Cluster extends AsyncDisposable {
  members: Member[];
  /** Calls `name` on member `index % size`; a protocol error is returned, not thrown. */
  call(index: number, name: string, args?: Record<string, unknown>): Promise<Outcome>;
}

/** What one call ended with. */
export type Outcome = CallToolResult | ProtocolError;

/** Starts `size` gateways on `toolsDir` with `env` (NEXUS_REDIS_URL, NEXUS_REDIS_PREFIX…). */
export async function startCluster(
  size: number,
  options: { toolsDir: string; env: Record<string, string> },
): Promise<Cluster> {
  const gateways = await Promise.all(
    Array.from({ length: size }, () =>
      startGateway({
        toolsDir: options.toolsDir,
        env: { NEXUS_HOT_RELOAD: "false", NEXUS_DEMO_API: "false", ...options.env },
      })),
  );
  const members: Member[] = [];
  try {
    for (const gateway of gateways) {
      members.push({ gateway, client: await connect("2026-07-28", gateway.mcpUrl) });
    }
  } catch (error) {
    await Promise.all(gateways.map((g) => g.stop()));
    throw error;
  }
  return {
    members,
    async call(index, name, args = {}) {
      const member = members[index % members.length]!;
      try {
        return await member.client.callTool({ name, arguments: args }) as CallToolResult;
      } catch (error) {
        if (error instanceof ProtocolError) return error;
        throw error;
      }
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(members.map((m) => m.client.close().catch(() => {})));
      await Promise.all(gateways.map((g) => g.stop()));
    },
  };
}

/** A tools dir with one YAML file whose tools call `baseUrl` (a test upstream). */
export function upstreamToolsDir(baseUrl: string, tools: string): Promise<ToolsDir> {
  return createToolsDir({ "upstream.yaml": `baseUrl: ${baseUrl}\ntools:\n${tools}` });
}

/** Whether an outcome is the RATE_LIMITED protocol error (-32029). */
export function isRateLimited(outcome: Outcome): outcome is ProtocolError {
  return outcome instanceof ProtocolError && outcome.code === -32029;
}

/** `retryAfterMs` of a RATE_LIMITED error. */
export function retryAfterOf(outcome: Outcome): number | undefined {
  if (!(outcome instanceof ProtocolError)) return undefined;
  const data = outcome.data as { retryAfterMs?: unknown } | undefined;
  return typeof data?.retryAfterMs === "number" ? data.retryAfterMs : undefined;
}

/** Counts the stderr JSON lines of `gateway` whose `msg` is `msg` and whose fields match. */
export function logCount(
  gateway: Gateway,
  msg: string,
  fields: Record<string, unknown> = {},
): number {
  return gateway.stderrLines().filter((line) => {
    try {
      const record = JSON.parse(line);
      return record.msg === msg && Object.entries(fields).every(([k, v]) => record[k] === v);
    } catch {
      return false;
    }
  }).length;
}
