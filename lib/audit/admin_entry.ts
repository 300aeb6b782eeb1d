/**
 * What one admin API write becomes in the audit log: the administrator's identity (kind `admin`),
 * the action (`clients.create`, `credentials.rotate`, `upstreams.approve`, `tools.test`, …) in the
 * tool column, server `admin`, and the name it acted on. Never a secret: request bodies are not
 * kept, only the target's name.
 */

import type { Principal } from "../auth/mod.ts";
import type { AuditRow } from "../store/mod.ts";

/** One admin action as the admin API reports it. */
export interface AdminAction {
  /** The request id the answer (and the log) names. */
  requestId: string;
  /** The authenticated administrator. */
  admin: Principal;
  /** `<area>.<verb>`: `clients.create`, `credentials.set`, `upstreams.approve`, … */
  action: string;
  /** The name acted on (client, credential, upstream, tool); never a secret. */
  target?: string;
  /** The HTTP status answered. */
  status: number;
  /** The `GatewayError` code of a refused or failed action. */
  errorCode?: string;
  /** When the request arrived, epoch ms. */
  at: number;
  /** How long it took, in milliseconds. */
  durationMs: number;
}

/** The `server` column of every admin action row. */
export const ADMIN_SERVER = "admin";

/** Builds the audit row of one admin action. Raises nothing. */
export function adminRow(action: AdminAction): AuditRow {
  const ok = action.status < 400;
  return {
    at: action.at,
    requestId: action.requestId,
    clientId: action.admin.id,
    clientName: action.admin.name,
    clientKind: "admin",
    server: ADMIN_SERVER,
    tool: action.action.slice(0, 256),
    argsHash: "",
    args: action.target === undefined ? null : JSON.stringify({ target: action.target }),
    outcome: ok ? "ok" : "error",
    errorCode: ok ? null : action.errorCode ?? `HTTP_${action.status}`,
    durationMs: Math.round(action.durationMs * 1000) / 1000,
    backendStatus: action.status,
    cacheHit: null,
    coalesced: null,
    credentialName: null,
    credentialVersion: null,
  };
}
