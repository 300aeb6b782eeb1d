/**
 * Credential-based base URLs (`baseUrl: { fromCredential, allow }`): the request built from the
 * template carries the stand-in origin `https://<credential>.credential.invalid`; here it is
 * replaced by the credential's field (its `baseUrl` setting, or `instance_url` from its token
 * response), once that field's origin matches one of the tool file's `allow` patterns.
 */

import type { OutboundAuth } from "../../credentials/mod.ts";
import { GatewayError } from "../../errors.ts";
import { originAllowed } from "../../registry/mod.ts";
import type { HttpBackendSpec } from "../../registry/types.ts";
import type { UpstreamRequest } from "./request.ts";

const STAND_IN = /^([a-z0-9_-]+)\.credential\.invalid$/;

/**
 * The request with its real base URL; unchanged when the tool's base URL is fixed.
 * @throws GatewayError UPSTREAM_UNAVAILABLE when the credential carries no such field;
 * EGRESS_DENIED when the field's origin is not one the tool file allows.
 */
export function rebase(
  request: UpstreamRequest,
  spec: Pick<HttpBackendSpec, "baseFrom">,
  options: { outboundAuth?: OutboundAuth },
): UpstreamRequest {
  const from = spec.baseFrom;
  if (from === undefined) return request;
  const credential = STAND_IN.exec(request.url.hostname)?.[1] ?? "?";
  const base = options.outboundAuth?.fields?.[from.field];
  if (base === undefined) {
    const hint = from.field === "baseUrl"
      ? `set it with: nexus credentials set ${credential} … --base-url URL`
      : "its token response did not include it";
    throw new GatewayError(
      "UPSTREAM_UNAVAILABLE",
      `Cannot call upstream: credential "${credential}" has no ${from.field}: ${hint}`,
    );
  }
  let url: URL;
  try {
    url = new URL(base.replace(/\/+$/, "") + request.url.pathname + request.url.search);
  } catch {
    throw new GatewayError(
      "UPSTREAM_UNAVAILABLE",
      `Cannot call upstream: credential "${credential}" ${from.field} is not a URL`,
    );
  }
  if (!originAllowed(url.origin, from.allow)) {
    // Why: the tool author bounds where calls may go, whoever sets the credential.
    throw new GatewayError(
      "EGRESS_DENIED",
      `Egress denied: credential "${credential}" ${from.field} origin ${url.origin} is not allowed ` +
        `by the tool file's baseUrl.allow (${from.allow.join(", ")})`,
      { data: { origin: url.origin } },
    );
  }
  return { ...request, url };
}
