/**
 * Credential-based base URLs at call time: the stand-in origin is replaced by the credential's
 * field, an origin the file does not allow is refused, a missing field is a clear error.
 */

import assert from "node:assert/strict";
import { rebase } from "../../../lib/backends/http/rebase.ts";
import { createOutboundAuth } from "../../../lib/credentials/inject.ts";
import { isGatewayError } from "../../../lib/errors.ts";

const spec = { baseFrom: { field: "instance_url", allow: ["https://*.salesforce.com"] } };

function request(path: string) {
  return {
    method: "GET" as const,
    url: new URL(`https://salesforce.credential.invalid${path}`),
    headers: new Headers(),
  };
}

function auth(fields: Record<string, string>) {
  return createOutboundAuth({ secrets: [], fields });
}

Deno.test("rebase() joins the credential's base (with its path) to the request path and query", () => {
  const rebased = rebase(request("/services/data/v62.0/query?q=SELECT%20Id"), spec, {
    outboundAuth: auth({ instance_url: "https://acme.my.salesforce.com/" }),
  });
  assert.equal(
    rebased.url.href,
    "https://acme.my.salesforce.com/services/data/v62.0/query?q=SELECT%20Id",
  );
  const proxied = rebase(request("/x"), {
    baseFrom: { field: "baseUrl", allow: ["https://proxy.example"] },
  }, {
    outboundAuth: auth({ baseUrl: "https://proxy.example/jira" }),
  });
  assert.equal(proxied.url.href, "https://proxy.example/jira/x");
});

Deno.test("rebase() refuses an origin outside allow, and a credential without the field", () => {
  assert.throws(
    () =>
      rebase(request("/x"), spec, { outboundAuth: auth({ instance_url: "https://evil.example" }) }),
    (error) =>
      isGatewayError(error) && error.code === "EGRESS_DENIED" &&
      error.message.includes('credential "salesforce" instance_url origin https://evil.example'),
  );
  assert.throws(
    () => rebase(request("/x"), spec, { outboundAuth: auth({}) }),
    (error) =>
      isGatewayError(error) && error.code === "UPSTREAM_UNAVAILABLE" &&
      error.message ===
        'Cannot call upstream: credential "salesforce" has no instance_url: its token response did not include it',
  );
  const untouched = request("/x");
  assert.equal(rebase(untouched, {}, {}), untouched);
});
