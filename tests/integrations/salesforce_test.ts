/**
 * `tools/salesforce.yaml`, unchanged, through the real gateway pipeline against a Salesforce
 * stand-in: the OAuth client credentials token request, the base URL taken from the token
 * response's `instance_url` (and refused when the tool file does not allow its origin), SOQL
 * batches followed through `nextRecordsUrl`, sObject calls, error arrays as `isError` results,
 * and a fresh token after an expired session.
 */

import assert from "node:assert/strict";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { startVendorGateway, textOf } from "../_support/vendors/gateway.ts";
import { SALESFORCE_APP, startSalesforce } from "../_support/vendors/salesforce.ts";
import { queryOf } from "../_support/vendors/stand_in.ts";

function credential(tokenUrl: string) {
  return {
    name: "salesforce",
    kind: "oauth2_client_credentials",
    settings: {
      tokenUrl,
      clientId: SALESFORCE_APP.clientId,
      authMethod: "client_secret_post",
    },
    secret: SALESFORCE_APP.clientSecret,
  };
}

Deno.test("salesforce.yaml speaks the Salesforce REST API at the token's instance_url", async (t) => {
  await using sf = startSalesforce();
  await using nexus = await startVendorGateway({
    file: "salesforce.yaml",
    env: { NEXUS_TOOL_SALESFORCE_ORIGIN: sf.origin },
    credentials: [credential(`${sf.origin}/services/oauth2/token`)],
  });

  await t.step("SOQL: token first, then every nextRecordsUrl batch, records joined", async () => {
    const result = await nexus.call("salesforce_query", {
      soql: "SELECT Id, Name FROM Account WHERE Name LIKE 'Acme%'",
    });
    assert.equal(result.isError, undefined, textOf(result));
    const [tokenRequest, ...batches] = sf.requests;
    assert.equal(tokenRequest?.method, "POST");
    assert.equal(tokenRequest?.path, "/services/oauth2/token");
    assert.equal(
      tokenRequest?.headers.get("content-type"),
      "application/x-www-form-urlencoded",
    );
    assert.deepEqual(Object.fromEntries(new URLSearchParams(String(tokenRequest?.body))), {
      grant_type: "client_credentials",
      client_id: SALESFORCE_APP.clientId,
      client_secret: SALESFORCE_APP.clientSecret,
    });
    assert.deepEqual(batches.map((batch) => batch.path), [
      "/services/data/v62.0/query",
      "/services/data/v62.0/query/01gRO0000016PIAYA2-2000",
      "/services/data/v62.0/query/01gRO0000016PIAYA2-4000",
    ]);
    assert.deepEqual(queryOf(batches[0]!), {
      q: "SELECT Id, Name FROM Account WHERE Name LIKE 'Acme%'",
    });
    for (const batch of batches) {
      assert.equal(batch.headers.get("authorization"), "Bearer 00DRO000000abcd!AQ0AQ-token-1");
    }
    const content = result.structuredContent as {
      items: Array<{ Name: string }>;
      pages: number;
      truncated: boolean;
    };
    assert.deepEqual(content.items.map((record) => record.Name), [
      "Acme 1.1",
      "Acme 1.2",
      "Acme 2.1",
      "Acme 2.2",
      "Acme 3.1",
      "Acme 3.2",
    ]);
    assert.equal(content.pages, 3);
    assert.equal(content.truncated, false);
    assert.ok(!textOf(result).includes("token-1"), "the access token never reaches the result");
  });

  await t.step("an invalid SOQL field is an isError result with Salesforce's text", async () => {
    const result = await nexus.call("salesforce_query", { soql: "SELECT Id, Nme FROM Account" });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /HTTP 400 Bad Request: .*No such column 'Nme'.*INVALID_FIELD/);
  });

  await t.step("get, create and update records", async () => {
    const got = await nexus.call("salesforce_get_record", {
      sobject: "Account",
      id: "001RO00000ABCDEAAA",
      fields: "Id,Name,Industry",
    });
    assert.equal(sf.last().path, "/services/data/v62.0/sobjects/Account/001RO00000ABCDEAAA");
    assert.deepEqual(queryOf(sf.last()), { fields: "Id,Name,Industry" });
    assert.equal((got.structuredContent as { Name: string }).Name, "Acme Corporation");
    const created = await nexus.call("salesforce_create_record", {
      sobject: "Account",
      fields: { Name: "Globex", NumberOfEmployees: 250 },
    });
    assert.equal(sf.last().method, "POST");
    assert.equal(sf.last().path, "/services/data/v62.0/sobjects/Account");
    assert.deepEqual(sf.last().body, { Name: "Globex", NumberOfEmployees: 250 });
    assert.deepEqual(created.structuredContent, {
      id: "001RO00000NEW01AAA",
      success: true,
      errors: [],
    });
    const updated = await nexus.call("salesforce_update_record", {
      sobject: "Account",
      id: "001RO00000ABCDEAAA",
      fields: { Industry: "Energy" },
    });
    assert.equal(sf.last().method, "PATCH");
    assert.deepEqual(sf.last().body, { Industry: "Energy" });
    assert.equal(textOf(updated), "HTTP 204 No Content");
  });

  await t.step("Salesforce's error arrays become isError results", async () => {
    const missing = await nexus.call("salesforce_create_record", {
      sobject: "Account",
      fields: { Industry: "Retail" },
    });
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /REQUIRED_FIELD_MISSING/);
    const gone = await nexus.call("salesforce_get_record", {
      sobject: "Account",
      id: "001RO00000404AAAAA",
      fields: "Id",
    });
    assert.equal(gone.isError, true);
    assert.match(textOf(gone), /HTTP 404 Not Found: .*The requested resource does not exist/);
  });

  await t.step(
    "an expired session (401 INVALID_SESSION_ID) is retried with a new token",
    async () => {
      sf.expireSessions();
      const result = await nexus.call("salesforce_get_record", {
        sobject: "Contact",
        id: "003RO00000ABCDEAAA",
        fields: "Id,Name",
      });
      assert.equal(result.isError, undefined, textOf(result));
      assert.equal(sf.tokensIssued(), 2);
      assert.equal(sf.last().headers.get("authorization"), "Bearer 00DRO000000abcd!AQ0AQ-token-2");
    },
  );
});

Deno.test("salesforce.yaml refuses an instance_url whose origin the file does not allow", async () => {
  await using sf = startSalesforce({ instanceUrl: "http://127.0.0.1:9" });
  await using nexus = await startVendorGateway({
    file: "salesforce.yaml",
    env: { NEXUS_TOOL_SALESFORCE_ORIGIN: sf.origin },
    credentials: [credential(`${sf.origin}/services/oauth2/token`)],
  });
  const result = await nexus.call("salesforce_query", { soql: "SELECT Id, Name FROM Account" });
  assert.equal(result.isError, true);
  assert.match(
    textOf(result),
    /^Egress denied: credential "salesforce" instance_url origin http:\/\/127\.0\.0\.1:9 is not allowed/,
  );
  assert.deepEqual(sf.requests.map((request) => request.path), ["/services/oauth2/token"]);
});

Deno.test("refresh-token kind: instance_url is kept with the shared token state across restarts", async () => {
  await using sf = startSalesforce();
  const store = {
    dataDir: await Deno.makeTempDir({ prefix: "nexus-sf-" }),
    masterKey: generateMasterKey(),
  };
  try {
    const refresh = {
      name: "salesforce",
      kind: "oauth2_refresh_token",
      settings: {
        tokenUrl: `${sf.origin}/services/oauth2/token`,
        clientId: SALESFORCE_APP.clientId,
        authMethod: "client_secret_post",
      },
      secret: JSON.stringify({
        refreshToken: SALESFORCE_APP.refreshToken,
        clientSecret: SALESFORCE_APP.clientSecret,
      }),
    };
    const env = { NEXUS_TOOL_SALESFORCE_ORIGIN: sf.origin };
    {
      await using first = await startVendorGateway({
        file: "salesforce.yaml",
        env,
        store,
        credentials: [refresh],
      });
      const result = await first.call("salesforce_query", { soql: "SELECT Id, Name FROM Account" });
      assert.equal(result.isError, undefined, textOf(result));
      const form = new URLSearchParams(String(sf.requests[0]?.body));
      assert.equal(form.get("grant_type"), "refresh_token");
      assert.equal(form.get("refresh_token"), SALESFORCE_APP.refreshToken);
    }
    // Why a second gateway on the same store: it has no token in memory, so the access token and
    // instance_url can only come from the sealed state the first one stored.
    await using second = await startVendorGateway({
      file: "salesforce.yaml",
      env,
      store,
      credentials: [],
    });
    const result = await second.call("salesforce_get_record", {
      sobject: "Account",
      id: "001RO00000ABCDEAAA",
      fields: "Id,Name",
    });
    assert.equal(result.isError, undefined, textOf(result));
    assert.equal(sf.tokensIssued(), 1, "the stored token (and its instance_url) was reused");
    assert.equal(sf.last().path, "/services/data/v62.0/sobjects/Account/001RO00000ABCDEAAA");
  } finally {
    await Deno.remove(store.dataDir, { recursive: true }).catch(() => {});
  }
});
