/**
 * `tools/servicenow.yaml`, unchanged, through the real gateway pipeline against a ServiceNow
 * Table API stand-in: Basic auth to the instance named by the credential's `baseUrl`,
 * `sysparm_*` parameters, Link-header paging (`sysparm_offset`) up to `maxPages`, and
 * ServiceNow's `{error: {message, detail}}` answers and rate limits as `isError` results.
 */

import assert from "node:assert/strict";
import { isGatewayError } from "../../lib/errors.ts";
import { startVendorGateway, textOf } from "../_support/vendors/gateway.ts";
import { SERVICENOW_USER, startServiceNow } from "../_support/vendors/servicenow.ts";
import { basicAuth, queryOf } from "../_support/vendors/stand_in.ts";

Deno.test("servicenow.yaml speaks the ServiceNow Table API to a stand-in", async (t) => {
  await using sn = startServiceNow();
  await using nexus = await startVendorGateway({
    file: "servicenow.yaml",
    env: { NEXUS_TOOL_SERVICENOW_ORIGIN: sn.origin },
    credentials: [{
      name: "servicenow",
      kind: "basic",
      settings: { username: SERVICENOW_USER.username, baseUrl: sn.origin },
      secret: SERVICENOW_USER.password,
    }],
  });

  await t.step("get an incident by number, display values", async () => {
    const result = await nexus.call("servicenow_get_incident", { number: "INC0010001" });
    assert.equal(result.isError, undefined, textOf(result));
    const sent = sn.last();
    assert.equal(sent.path, "/api/now/table/incident");
    assert.equal(
      sent.headers.get("authorization"),
      basicAuth(SERVICENOW_USER.username, SERVICENOW_USER.password),
    );
    assert.deepEqual(queryOf(sent), {
      sysparm_query: "number=INC0010001",
      sysparm_limit: "1",
      sysparm_display_value: "true",
      sysparm_exclude_reference_link: "true",
      sysparm_fields: "sys_id,number,short_description,description,state,priority,urgency," +
        "impact,caller_id,assignment_group,assigned_to,opened_at,sys_updated_on",
    });
    const rows = (result.structuredContent as { result: Array<{ number: string }> }).result;
    assert.deepEqual(rows.map((row) => row.number), ["INC0010001"]);
  });

  await t.step("query: Link rel=next with sysparm_offset, stopped at maxPages (5)", async () => {
    const before = sn.requests.length;
    const result = await nexus.call("servicenow_query_incidents", {
      query: "active=true",
      limit: 2,
    });
    assert.equal(result.isError, undefined, textOf(result));
    const pages = sn.requests.slice(before);
    assert.deepEqual(pages.map((page) => queryOf(page).sysparm_offset), [
      undefined,
      "2",
      "4",
      "6",
      "8",
    ]);
    assert.equal(queryOf(pages[0]!).sysparm_query, "active=true^ORDERBYDESCsys_updated_on");
    const content = result.structuredContent as {
      items: Array<{ number: string }>;
      pages: number;
      truncated: boolean;
    };
    assert.equal(content.items.length, 10);
    assert.deepEqual([content.pages, content.truncated], [5, true]);
  });

  await t.step("create and update incidents", async () => {
    const created = await nexus.call("servicenow_create_incident", {
      short_description: "Printer on fire",
      urgency: "1",
      impact: "2",
    });
    const sent = sn.last();
    assert.equal(sent.method, "POST");
    assert.deepEqual(queryOf(sent), { sysparm_fields: "number,sys_id,state,short_description" });
    assert.deepEqual(sent.body, {
      short_description: "Printer on fire",
      urgency: "1",
      impact: "2",
    });
    assert.deepEqual(created.structuredContent, {
      result: {
        number: "INC0010099",
        sys_id: "f".repeat(32),
        state: "New",
        short_description: "Printer on fire",
      },
    });
    const sysId = "a".repeat(32);
    const updated = await nexus.call("servicenow_update_incident", {
      sys_id: sysId,
      fields: { state: "2", work_notes: "Looking into it" },
    });
    assert.equal(sn.last().method, "PATCH");
    assert.equal(sn.last().path, `/api/now/table/incident/${sysId}`);
    assert.deepEqual(sn.last().body, { state: "2", work_notes: "Looking into it" });
    assert.equal((updated.structuredContent as { result: { state: string } }).result.state, "2");
  });

  await t.step("ServiceNow's error objects become isError results", async () => {
    const missing = await nexus.call("servicenow_update_incident", {
      sys_id: "0".repeat(32),
      fields: { state: "6" },
    });
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /HTTP 404 Not Found: .*No Record found/);
    const bad = await nexus.call("servicenow_query_incidents", { query: "bogus=1" });
    assert.equal(bad.isError, true);
    assert.match(textOf(bad), /HTTP 400 Bad Request: .*Invalid query/);
  });

  await t.step("HTTP 429 with Retry-After: isError, then calls are held", async () => {
    const limited = await nexus.call("servicenow_query_incidents", { query: "priority=429" });
    assert.equal(limited.isError, true);
    assert.match(textOf(limited), /HTTP 429 Too Many Requests: .*Rate limit exceeded/);
    await assert.rejects(
      nexus.call("servicenow_get_incident", { number: "INC0010002" }),
      (error) => isGatewayError(error) && error.code === "RATE_LIMITED",
    );
  });
});
