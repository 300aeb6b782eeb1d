/**
 * A Salesforce stand-in, from the public REST API and OAuth references: the token endpoint
 * (`POST /services/oauth2/token`, client credentials and refresh token grants, answering `access_token`, `instance_url`, `id`,
 * `token_type`, `issued_at`, `signature` and no `expires_in`), SOQL query with `nextRecordsUrl`
 * batches, sObject get/create/update; errors as `[{ message, errorCode, fields? }]`, an invalid
 * session as 401 `INVALID_SESSION_ID`; every API answer carries `Sforce-Limit-Info`.
 */

import { json, queryOf, type Recorded, type StandIn, startStandIn } from "./stand_in.ts";

/** The connected app the stand-in accepts. */
export const SALESFORCE_APP = {
  clientId: "3MVG9-consumer-key",
  clientSecret: "sf-secret-0001",
  /** A refresh token from the web server flow (Salesforce does not rotate it by default). */
  refreshToken: "5Aep861-refresh-token-0001",
};

const API = "/services/data/v62.0";
const RECORD = /^\/services\/data\/v62\.0\/sobjects\/([A-Za-z0-9_]+)(?:\/([A-Za-z0-9]{15,18}))?$/;

/** The stand-in, plus a switch that makes every issued token invalid (a session expiry). */
export interface SalesforceStandIn extends StandIn {
  expireSessions(): void;
  tokensIssued(): number;
}

/** Starts it; `instanceUrl` is what tokens say the org lives at (default: the stand-in itself). */
export function startSalesforce(options: { instanceUrl?: string } = {}): SalesforceStandIn {
  const live = new Set<string>();
  let issued = 0;
  const standIn = startStandIn((request, { origin }) => {
    if (request.path === "/services/oauth2/token") return token(request, origin);
    const bearer = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    if (!live.has(bearer)) {
      return json(401, [{
        message: "Session expired or invalid",
        errorCode: "INVALID_SESSION_ID",
      }]);
    }
    const limits = { "sforce-limit-info": "api-usage=25/15000" };
    if (request.path === `${API}/query` || request.path.startsWith(`${API}/query/`)) {
      return query(request, limits);
    }
    const match = RECORD.exec(request.path);
    if (match === null) {
      return json(404, [{
        errorCode: "NOT_FOUND",
        message: "The requested resource does not exist",
      }]);
    }
    return record(request, match[1] ?? "", match[2], { origin, limits });
  });

  function token(request: Recorded, origin: string): Response {
    const form = Object.fromEntries(new URLSearchParams(String(request.body ?? "")));
    const grant = form.grant_type === "client_credentials" ||
      (form.grant_type === "refresh_token" && form.refresh_token === SALESFORCE_APP.refreshToken);
    const ok = grant && form.client_id === SALESFORCE_APP.clientId &&
      form.client_secret === SALESFORCE_APP.clientSecret;
    if (!ok) {
      return json(400, {
        error: "invalid_client",
        error_description: "invalid client credentials",
      });
    }
    issued++;
    const accessToken = `00DRO000000abcd!AQ0AQ-token-${issued}`;
    live.add(accessToken);
    return json(200, {
      access_token: accessToken,
      signature: "m0C4uYx0ZyIuF+Sa1pIbbRjzSXe/WsMPGjN3M6VzMZI=",
      scope: "api",
      instance_url: options.instanceUrl ?? origin,
      id: `${origin}/id/00DRO000000abcdMAA/005RO000001xyzwYAA`,
      token_type: "Bearer",
      issued_at: String(Date.now()),
    });
  }

  return {
    ...standIn,
    expireSessions: () => live.clear(),
    tokensIssued: () => issued,
  };
}

function query(request: Recorded, headers: Record<string, string>): Response {
  const batch = request.path.endsWith("-2000") ? 2 : request.path.endsWith("-4000") ? 3 : 1;
  const soql = queryOf(request).q ?? "";
  if (batch === 1 && !/^SELECT Id, Name FROM Account\b/.test(soql)) {
    return json(400, [{
      message: `\n${soql}\n       ^\nERROR at Row:1:Column:8\nNo such column 'Nme' on entity ` +
        "'Account'. If you are attempting to use a custom field, be sure to append the '__c'.",
      errorCode: "INVALID_FIELD",
    }], headers);
  }
  const records = [1, 2].map((n) => ({
    attributes: { type: "Account", url: `${API}/sobjects/Account/001RO00000${batch}${n}AAAAA` },
    Id: `001RO00000${batch}${n}AAAAA`,
    Name: `Acme ${batch}.${n}`,
  }));
  const done = batch === 3;
  return json(200, {
    totalSize: 6,
    done,
    ...(done ? {} : { nextRecordsUrl: `${API}/query/01gRO0000016PIAYA2-${batch * 2000}` }),
    records,
  }, headers);
}

function record(
  request: Recorded,
  sobject: string,
  id: string | undefined,
  context: { origin: string; limits: Record<string, string> },
): Response {
  if (request.method === "POST" && id === undefined) {
    const fields = request.body as Record<string, unknown>;
    if (typeof fields?.Name !== "string") {
      return json(400, [{
        message: "Required fields are missing: [Name]",
        errorCode: "REQUIRED_FIELD_MISSING",
        fields: ["Name"],
      }], context.limits);
    }
    return json(201, { id: "001RO00000NEW01AAA", success: true, errors: [] }, context.limits);
  }
  if (request.method === "PATCH" && id !== undefined) {
    return new Response(null, { status: 204, headers: context.limits });
  }
  if (request.method === "GET" && id !== undefined) {
    if (id.startsWith("001RO00000404")) {
      return json(404, [{
        errorCode: "NOT_FOUND",
        message: "The requested resource does not exist",
      }], context.limits);
    }
    return json(200, {
      attributes: { type: sobject, url: `${API}/sobjects/${sobject}/${id}` },
      Id: id,
      Name: "Acme Corporation",
      Industry: "Retail",
    }, context.limits);
  }
  return json(405, [{ errorCode: "METHOD_NOT_ALLOWED", message: "HTTP Method not allowed" }]);
}
