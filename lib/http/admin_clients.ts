/**
 * `/admin/clients`: list client keys (never a key or its hash), issue one (the key is in the
 * response, once), revoke one (at once for this instance; others notice within their cache time).
 */

import { Hono } from "hono";
import { z } from "zod";
import { type ApiKeyVerifier, issueApiKey } from "../auth/mod.ts";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ApiKeyRepo, ApiKeyRow } from "../store/mod.ts";
import { adminActor, type AdminEnv } from "./admin.ts";

const createBody = z.strictObject({
  name: z.string().min(1),
  tools: z.array(z.string().min(1)).optional(),
  groups: z.array(z.string().min(1)).optional(),
  expiresInDays: z.number().int().min(1).optional(),
  admin: z.boolean().optional(),
});

/** Builds the client-key routes. Raises nothing; bad input answers 400. */
export function createAdminClientRoutes(
  deps: {
    repo: ApiKeyRepo;
    verifier: ApiKeyVerifier;
    logger: Logger;
    now?: () => number;
    /** Called after a key is revoked here, so open streams of that key are re-checked at once. */
    onRevoke?: () => void;
  },
): Hono<AdminEnv> {
  const now = deps.now ?? Date.now;
  const app = new Hono<AdminEnv>();
  app.get("/", async (c) => c.json({ clients: (await deps.repo.list()).map(describeKey) }));
  app.post("/", async (c) => {
    const parsed = createBody.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      return c.json({ error: `Invalid client: ${parsed.error.issues[0]?.message}` }, 400);
    }
    const body = parsed.data;
    try {
      const at = now();
      const { key, row } = await issueApiKey(deps.repo, body.name, {
        scope: body.admin ? "admin" : "mcp",
        tools: body.tools,
        groups: body.groups,
        expiresAt: body.expiresInDays === undefined ? undefined : at + body.expiresInDays * 864e5,
        now: at,
      });
      deps.verifier.forget();
      deps.logger.info("Client key issued", {
        client: row.name,
        keyId: row.keyId,
        by: adminActor(c),
      });
      return c.json({ ...describeKey(row), key: key.reveal() }, 201);
    } catch (error) {
      if (error instanceof GatewayError && error.code === "INVALID_INPUT") {
        return c.json({ error: error.message }, 409);
      }
      throw error;
    }
  });
  app.delete("/:name", async (c) => {
    const name = c.req.param("name");
    const revoked = await deps.repo.revoke(name, now());
    deps.verifier.forget();
    if (revoked > 0) deps.onRevoke?.();
    if (revoked === 0) return c.json({ error: `No active key for client "${name}"` }, 404);
    deps.logger.info("Client key revoked", { client: name, by: adminActor(c) });
    return c.json({ revoked: name });
  });
  return app;
}

/** A key as listings show it: never the key, never its hash. */
export function describeKey(row: ApiKeyRow): Record<string, unknown> {
  return {
    name: row.name,
    keyId: row.keyId,
    scope: row.scope,
    tools: row.tools,
    groups: row.groups,
    createdAt: new Date(row.createdAt).toISOString(),
    expiresAt: row.expiresAt === null ? null : new Date(row.expiresAt).toISOString(),
    revokedAt: row.revokedAt === null ? null : new Date(row.revokedAt).toISOString(),
  };
}
