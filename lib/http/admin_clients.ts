/**
 * `/admin/clients`: list client keys (never a key or its hash), issue one (the key is in the
 * response, once), revoke one (at once for this instance; others notice within their cache time).
 * Every issue and revocation calls `onKeysChanged`, so the composition root re-checks exposure.
 */

import { Hono } from "hono";
import { z } from "zod";
import { type ApiKeyVerifier, issueApiKey } from "../auth/mod.ts";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { ApiKeyRepo, ApiKeyRow } from "../store/mod.ts";
import { adminActor, type AdminApp, type AdminEnv, readAdminBody } from "./admin.ts";

const createBody = z.strictObject({
  name: z.string().min(1),
  tools: z.array(z.string().min(1)).optional(),
  groups: z.array(z.string().min(1)).optional(),
  expiresInDays: z.number().int().min(1).optional(),
  admin: z.boolean().optional(),
});

/** Builds the client-key routes. Raises nothing; bad input answers 400, in the admin shape. */
export function createAdminClientRoutes(
  deps: {
    repo: ApiKeyRepo;
    verifier: ApiKeyVerifier;
    logger: Logger;
    now?: () => number;
    /** Called after a key was issued or revoked here. */
    onKeysChanged?: () => void;
    /** Called after a key is revoked here, so open streams of that key are re-checked at once. */
    onRevoke?: () => void;
  },
): AdminApp {
  const now = deps.now ?? Date.now;
  const changed = () => {
    deps.verifier.forget();
    deps.onKeysChanged?.();
  };
  const app = new Hono<AdminEnv>();
  app.get("/", async (c) => c.json({ clients: (await deps.repo.list()).map(describeKey) }));
  app.post("/", async (c) => {
    const parsed = createBody.safeParse(await readAdminBody(c));
    if (!parsed.success) {
      throw new GatewayError(
        "INVALID_INPUT",
        `Invalid client: ${parsed.error.issues[0]?.message}`,
      );
    }
    const body = parsed.data;
    const at = now();
    const { key, row } = await issueApiKey(deps.repo, body.name, {
      scope: body.admin ? "admin" : "mcp",
      tools: body.tools,
      groups: body.groups,
      expiresAt: body.expiresInDays === undefined ? undefined : at + body.expiresInDays * 864e5,
      now: at,
    });
    changed();
    c.set("auditTarget", row.name);
    deps.logger.info("Client key issued", {
      client: row.name,
      keyId: row.keyId,
      by: adminActor(c),
    });
    return c.json({ ...describeKey(row), key: key.reveal() }, 201);
  });
  app.delete("/:name", async (c) => {
    const name = c.req.param("name");
    const revoked = await deps.repo.revoke(name, now());
    changed();
    if (revoked === 0) throw new GatewayError("NOT_FOUND", `No active key for client "${name}"`);
    deps.onRevoke?.();
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
