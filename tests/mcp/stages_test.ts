/** The stage seam: an immutable context, `next(patch)` going down, the outcome coming back up. */

import assert from "node:assert/strict";
import { anonymousPrincipal } from "../../lib/auth/mod.ts";
import { createOutboundAuth } from "../../lib/credentials/inject.ts";
import { silentLogger } from "../../lib/log.ts";
import type { CallContext, CallStage } from "../../lib/mcp/mod.ts";
import { type CallOutcome, runStages } from "../../lib/mcp/stages.ts";
import { Secret } from "../../lib/secret.ts";
import { tsTool } from "./_limits_fixtures.ts";

function context(): CallContext {
  return {
    tool: tsTool("t", () => "x"),
    args: {},
    caller: { principal: anonymousPrincipal("127.0.0.1"), server: "default" },
    requestId: "req-1",
    signal: new AbortController().signal,
    logger: silentLogger,
    facts: {},
  };
}

const DONE: CallOutcome = { result: { content: [{ type: "text", text: "done" }] } };

Deno.test("runStages() hands a stage's patch to the stages inside it only, on a frozen context", async () => {
  const token = new Secret("tok-stage-test-1");
  const auth = createOutboundAuth({ headers: [["authorization", token]], secrets: [token] });
  const seen: Record<string, CallContext> = {};
  const stages: CallStage[] = [
    (ctx, next) => (seen.outer = ctx, next({ outboundAuth: auth })),
    (ctx, next) => (seen.middle = ctx, next()),
    (
      ctx,
      next,
    ) => (seen.inner = ctx,
      next({ cacheLookahead: { key: "k", peek: Promise.resolve(undefined) } })),
  ];
  let core: CallContext | undefined;
  const outcome = await runStages(stages, context(), (ctx) => (core = ctx, Promise.resolve(DONE)));
  assert.equal(outcome, DONE);
  assert.equal(seen.outer?.outboundAuth, undefined, "the outer stage never sees what it passed");
  assert.equal(seen.middle?.outboundAuth, auth);
  assert.equal(seen.inner, seen.middle, "no patch: the same context goes on");
  assert.equal(core?.outboundAuth, auth, "the backend step gets the credential");
  assert.equal(core?.cacheLookahead?.key, "k");
  for (const ctx of [seen.outer, seen.middle, core]) assert.ok(Object.isFrozen(ctx));
  assert.equal(core?.facts, seen.outer?.facts, "facts are one journal shared by every copy");
  assert.throws(() => {
    (seen.middle as { outboundAuth?: unknown }).outboundAuth = undefined;
  }, TypeError);
});

Deno.test("runStages() returns the backend's upstream answer to every stage on the way back", async () => {
  const reply = { status: 203, headers: new Headers({ "x-ratelimit-remaining": "7" }) };
  const statuses: number[] = [];
  const reader: CallStage = async (_ctx, next) => {
    const outcome = await next();
    statuses.push(outcome.upstream?.status ?? 0);
    return outcome;
  };
  const outcome = await runStages(
    [reader, reader],
    context(),
    () => Promise.resolve({ ...DONE, upstream: reply }),
  );
  assert.deepEqual(statuses, [203, 203]);
  assert.equal(outcome.upstream?.headers.get("x-ratelimit-remaining"), "7");
});
