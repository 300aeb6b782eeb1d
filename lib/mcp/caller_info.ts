/**
 * How the caller rides from the HTTP layer to the SDK handlers. The SDK passes a request's
 * `authInfo` through to the server factory untouched, so the authenticated `Caller` travels in
 * its `extra`, under one key: `authInfoFor` is the only writer, `callerIn` the only reader.
 */

import type { AuthInfo, McpRequestContext } from "@modelcontextprotocol/server";
import type { Caller } from "../auth/mod.ts";

const CALLER_KEY = "nexus.caller";

/** The SDK `authInfo` that hands `caller` to the handlers of one request; raises nothing. */
export function authInfoFor(caller: Caller): AuthInfo {
  return { token: "", clientId: caller.principal.id, scopes: [], extra: { [CALLER_KEY]: caller } };
}

/** The caller `authInfoFor` put in a request's context; undefined when there is none (stdio). */
export function callerIn(ctx: McpRequestContext | undefined): Caller | undefined {
  const passed = ctx?.authInfo?.extra?.[CALLER_KEY];
  // Why the cast is sound: only authInfoFor writes this key, always with a Caller.
  return passed === undefined ? undefined : passed as Caller;
}
