/**
 * `/admin/credentials`: the credential operations of the CLI over HTTP, behind admin
 * authentication (`createAdminApp`). Secrets arrive in request bodies and are never answered back:
 *
 * - `GET /` lists metadata; `GET /:name` shows one credential with its versions and changes
 * - `PUT /:name` `{ kind, settings?, secret, rotateEveryMs?, graceMs? }` creates or updates
 * - `POST /:name/rotate` `{ secret, graceMs? }` adds a version; `POST /:name/test` tries it
 * - `DELETE /:name`
 *
 * `secret` is text, or an object for the `headers` and `oauth2_refresh_token` kinds.
 */

import { Hono } from "hono";
import type { Vault } from "../credentials/mod.ts";
import { GatewayError } from "../errors.ts";
import { adminActor, type AdminApp, type AdminEnv, readAdminBody } from "./admin.ts";

/**
 * Builds the routes over a vault; raises nothing, failures are answered by the admin app's error
 * handler in the admin shape (bodies are read by its capped reader).
 */
export function createAdminCredentialRoutes(vault: Vault): AdminApp {
  const app = new Hono<AdminEnv>();
  app.get("/", async (c) => c.json({ credentials: await vault.list() }));
  app.get("/:name", async (c) => c.json(await vault.show(c.req.param("name"))));
  app.put("/:name", async (c) => {
    const body = await readAdminBody(c);
    const info = await vault.set({
      name: c.req.param("name"),
      kind: requireString(body, "kind"),
      settings: optionalObject(body, "settings"),
      secretText: secretText(body),
      ...(body.rotateEveryMs === undefined
        ? {}
        : { rotateEveryMs: optionalMs(body, "rotateEveryMs") }),
      ...(body.graceMs === undefined ? {} : { graceMs: optionalMs(body, "graceMs") ?? 0 }),
      actor: `admin:${adminActor(c)}`,
    });
    return c.json(info, info.activeVersion === 1 ? 201 : 200);
  });
  app.post("/:name/rotate", async (c) => {
    const body = await readAdminBody(c);
    const info = await vault.rotate({
      name: c.req.param("name"),
      secretText: secretText(body),
      ...(body.graceMs === undefined ? {} : { graceMs: optionalMs(body, "graceMs") ?? 0 }),
      actor: `admin:${adminActor(c)}`,
    });
    return c.json(info);
  });
  app.post("/:name/test", async (c) => c.json({ result: await vault.test(c.req.param("name")) }));
  app.delete("/:name", async (c) => {
    const name = c.req.param("name");
    if (!(await vault.delete(name, `admin:${adminActor(c)}`))) {
      throw new GatewayError("NOT_FOUND", `Credential not found: "${name}"`);
    }
    return c.body(null, 204);
  });
  return app;
}

function secretText(body: Record<string, unknown>): string {
  const secret = body.secret;
  if (typeof secret === "string") return secret;
  if (typeof secret === "object" && secret !== null && !Array.isArray(secret)) {
    return JSON.stringify(secret);
  }
  throw invalid(`"secret" is required: text, or an object for headers and refresh tokens`);
}

function requireString(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value === "string" && value !== "") return value;
  throw invalid(`"${key}" is required`);
}

function optionalObject(body: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = body[key];
  if (value === undefined) return {};
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw invalid(`"${key}" must be an object`);
}

function optionalMs(body: Record<string, unknown>, key: string): number | null {
  const value = body[key];
  if (value === null || value === 0) return null;
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return value;
  throw invalid(`"${key}" must be a positive whole number of milliseconds, or null`);
}

function invalid(problem: string): GatewayError {
  return new GatewayError("INVALID_INPUT", `Invalid request: ${problem}`);
}
