/**
 * `tools/list` on the direct path: the page the SDK path's handler (`server_factory.ts`) builds,
 * encoded as the SDK's codecs encode it (the SDK validates no `tools/list` result, so the bytes
 * are the page's own plus what each era's codec adds). Anything else is left to the SDK.
 */

import type { Caller } from "../auth/mod.ts";
import { pageOf, type ToolPage } from "../registry/mod.ts";
import type { DirectDispatchDeps } from "./direct_dispatch.ts";
import { answer } from "./direct_sse.ts";
import { isPlain, plainRequestEra, SERVER_INFO_META } from "./direct_wire.ts";
import { visibleTo } from "./server_factory.ts";

const LIST_PARAM_KEYS = new Set(["cursor", "_meta"]);

/**
 * The answer to a plain `tools/list` (one request, a string cursor or none, one era's headers in
 * order); undefined for anything else, or a cursor the page cannot start from (the SDK path
 * answers its error).
 */
export function listDirect(
  request: Request,
  body: unknown,
  { caller, deps }: { caller: Caller; deps: DirectDispatchDeps },
): Response | undefined {
  if (!isPlain(body) || body.method !== "tools/list") return undefined;
  const cursor = isPlain(body.params) ? body.params.cursor : undefined;
  if (cursor !== undefined && typeof cursor !== "string") return undefined;
  const era = plainRequestEra(request, body, { method: "tools/list", paramKeys: LIST_PARAM_KEYS });
  if (era === undefined) return undefined;
  const snapshot = deps.snapshot();
  let page: ToolPage;
  try {
    page = pageOf(visibleTo(snapshot, caller, deps.hooks.canUse), cursor, deps.pageSize);
  } catch {
    return undefined;
  }
  const tools = page.tools as readonly Record<string, unknown>[];
  const result: Record<string, unknown> = { tools };
  if (page.nextCursor !== undefined) result.nextCursor = page.nextCursor;
  if (era === "legacy") {
    // Why: the 2025 codec rewrites an output schema whose root is not an object.
    if (tools.some((tool) => isPlain(tool.outputSchema) && tool.outputSchema.type !== "object")) {
      return undefined;
    }
  } else if (!stampModern(result, tools, deps.listTtlMs, snapshot.upstreamTtlMs)) {
    return undefined;
  }
  return answer(era, JSON.stringify({ result, jsonrpc: "2.0", id: body.id }));
}

/**
 * Adds what the 2026-07-28 codec adds, in its order: `resultType`, the cache fields, the server's
 * identity. False when the SDK would change more (a tool's `execution`, a ttl it would not keep)
 * or the handler adds its own (a merged list an upstream's ttl limits: left to the SDK path).
 */
function stampModern(
  result: Record<string, unknown>,
  tools: readonly Record<string, unknown>[],
  listTtlMs: number,
  upstreamTtlMs: number | undefined,
): boolean {
  if (upstreamTtlMs !== undefined || tools.some((tool) => "execution" in tool)) return false;
  if (!Number.isSafeInteger(listTtlMs) || listTtlMs < 0) return false;
  result.resultType = "complete";
  result.ttlMs = listTtlMs;
  result.cacheScope = "private";
  result._meta = SERVER_INFO_META;
  return true;
}
