/**
 * The `/admin` sub-app: its own authentication (admin API keys, or a JWT carrying the admin group;
 * MCP client keys are refused), then the route sub-apps each concern provides (`/audit`,
 * `/clients`, `/credentials`, …), mounted by the composition root.
 */

import { Hono } from "hono";
import type { Principal } from "../auth/mod.ts";
import type { Logger } from "../log.ts";
import type { AppEnv } from "./app.ts";
import type { HttpAuth } from "./auth.ts";

/** Hono environment of admin routes: `c.get("admin")` is the authenticated administrator. */
export type AdminEnv = { Bindings: AppEnv; Variables: { admin: Principal } };

/** What the admin app is built from. */
export interface AdminDeps {
  auth: HttpAuth;
  logger: Logger;
  /** Route sub-apps by mount path (`/audit`), each seeing an authenticated administrator. */
  routes: Readonly<Record<string, Hono<AdminEnv>>>;
}

/** Builds the admin app; raises nothing, refusals and failures are answered on the wire. */
export function createAdminApp(deps: AdminDeps): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.use("*", async (c, next) => {
    const admin = await authenticateAdmin(deps.auth, c.req.raw, c.env);
    if (admin instanceof Response) return admin;
    c.set("admin", admin);
    await next();
  });
  for (const [path, routes] of Object.entries(deps.routes)) app.route(path, routes);
  app.notFound((c) => c.json({ error: "Not found" }, 404));
  return app;
}

/**
 * The administrator behind a request (admin key, or JWT with the admin group; anonymous only
 * while the gateway has no authentication and listens on loopback), or the response refusing it.
 * Shared by `/admin` and `/metrics`. Raises nothing.
 */
export function authenticateAdmin(
  auth: HttpAuth,
  request: Request,
  env: AppEnv | undefined,
): Promise<Principal | Response> {
  const addr = env?.remoteAddr;
  const address = addr !== undefined && "hostname" in addr ? addr.hostname : undefined;
  return auth.adminPrincipal(request, address);
}

/** The administrator's identity for logs and audit trails (`key:ab12…` / `jwt:iss#sub`). */
export function adminActor(c: { get(key: "admin"): Principal }): string {
  const admin = c.get("admin");
  return `${admin.name} (${admin.id})`;
}
