/**
 * `/admin/audit/tail` through the admin app on the embedded store: the number of open tails is
 * bounded, and a tail the client cancels frees its place.
 */

import assert from "node:assert/strict";
import type { Principal } from "../../lib/auth/mod.ts";
import { createAdminApp, createAdminAuditRoutes, type HttpAuth } from "../../lib/http/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import { openTestStore } from "../store/_stores.ts";

const ADMIN: Principal = { id: "key:adm1", kind: "api_key", name: "ops", groups: [] };

const auth: HttpAuth = {
  mcpCaller: () => Promise.resolve(new Response(null, { status: 401 })),
  adminPrincipal: () => Promise.resolve(ADMIN),
  metadata: () => new Response(null, { status: 404 }),
};

Deno.test("GET /admin/audit/tail refuses past maxTails and frees a place when a tail is cancelled", async () => {
  await using store = await openTestStore("sqlite");
  const stats = { buffered: 0, written: 0, dropped: 0, failedWrites: 0, suppressed: 0 };
  const app = createAdminApp({
    auth,
    logger: silentLogger,
    routes: {
      "/audit": createAdminAuditRoutes({ repo: store.audit, stats: () => stats, maxTails: 1 }),
    },
  });
  const first = await app.request("/audit/tail");
  assert.equal(first.status, 200);
  const reader = first.body!.getReader();
  await reader.read();
  const second = await app.request("/audit/tail");
  assert.equal(second.status, 503);
  assert.equal((await second.json()).error.code, "OVERLOADED");
  await reader.cancel();
  const third = await app.request("/audit/tail");
  assert.equal(third.status, 200);
  await third.body!.cancel();
});
