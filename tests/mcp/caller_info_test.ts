import assert from "node:assert/strict";
import type { AuthInfo, McpRequestContext } from "@modelcontextprotocol/server";
import { anonymousPrincipal, type Caller } from "../../lib/auth/mod.ts";
import { authInfoFor, callerIn } from "../../lib/mcp/caller_info.ts";

/** A request context carrying only `authInfo`, the one part `callerIn` reads. */
function contextWith(authInfo: AuthInfo): McpRequestContext {
  return { authInfo } as unknown as McpRequestContext;
}

Deno.test("callerIn() reads back exactly the caller authInfoFor() wrote, and nothing else", () => {
  const caller: Caller = {
    principal: { id: "key:0123456789abcdef", kind: "api_key", name: "alice", groups: [] },
    server: "tickets",
  };
  const authInfo = authInfoFor(caller);
  assert.equal(authInfo.clientId, "key:0123456789abcdef");
  assert.equal(callerIn(contextWith(authInfo)), caller);
  assert.equal(callerIn(undefined), undefined, "stdio: no context");
  const foreign = { token: "t", clientId: "c", scopes: [], extra: { other: 1 } };
  assert.equal(callerIn(contextWith(foreign)), undefined);
  const anonymous: Caller = { principal: anonymousPrincipal("127.0.0.1"), server: "default" };
  assert.equal(callerIn(contextWith(authInfoFor(anonymous))), anonymous);
});
