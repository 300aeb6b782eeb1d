/**
 * `tools/jira.yaml`, unchanged, through the real gateway pipeline against a Jira Cloud stand-in:
 * the exact requests Jira expects (paths, query, Basic auth, ADF bodies), `nextPageToken`
 * paging up to `maxPages`, `select`/`htmlToText` shaping, and Jira's error shapes and rate-limit
 * headers as `isError` results.
 */

import assert from "node:assert/strict";
import { isGatewayError } from "../../lib/errors.ts";
import { startVendorGateway, textOf } from "../_support/vendors/gateway.ts";
import { JIRA_USER, startJira } from "../_support/vendors/jira.ts";
import { basicAuth, queryOf } from "../_support/vendors/stand_in.ts";

Deno.test("jira.yaml speaks Jira Cloud REST v3 to a stand-in", async (t) => {
  await using jira = startJira();
  await using nexus = await startVendorGateway({
    file: "jira.yaml",
    env: { NEXUS_TOOL_JIRA_ORIGIN: jira.origin },
    credentials: [{
      name: "jira",
      kind: "basic",
      settings: { username: JIRA_USER.email, baseUrl: jira.origin },
      secret: JIRA_USER.token,
    }],
  });
  const auth = basicAuth(JIRA_USER.email, JIRA_USER.token);

  await t.step("get issue: fields, rendered description as text, answer kept small", async () => {
    const result = await nexus.call("jira_get_issue", { key: "PROJ-123" });
    assert.equal(result.isError, undefined, textOf(result));
    const sent = jira.last();
    assert.equal(sent.method, "GET");
    assert.equal(sent.path, "/rest/api/3/issue/PROJ-123");
    assert.deepEqual(queryOf(sent), {
      fields:
        "summary,status,issuetype,priority,assignee,reporter,labels,created,updated,description",
      expand: "renderedFields",
    });
    assert.equal(sent.headers.get("authorization"), auth);
    assert.equal(sent.headers.get("accept"), "application/json");
    assert.deepEqual(result.structuredContent, {
      key: "PROJ-123",
      fields: {
        summary: "Login page times out",
        status: { name: "In Progress" },
        issuetype: { name: "Bug" },
        priority: { name: "High" },
        assignee: { displayName: "Ada Lovelace" },
        reporter: { displayName: "Alan Turing" },
        labels: ["login", "timeout"],
        created: "2026-11-02T09:15:00.000+0000",
        updated: "2026-12-01T16:40:12.000+0000",
      },
      renderedFields: { description: "Steps below.\n\n• Open /login\n• Wait 30 s" },
    });
    const traced = JSON.stringify(nexus.trace());
    assert.ok(traced.includes("[redacted]"), traced);
    assert.ok(!traced.includes(auth.slice(6)), "the trace never shows the Basic credential");
  });

  await t.step("search: JQL, nextPageToken followed until isLast, items joined", async () => {
    const before = jira.requests.length;
    const result = await nexus.call("jira_search_issues", {
      jql: "project = PROJ ORDER BY updated DESC",
      maxResults: 2,
    });
    assert.equal(result.isError, undefined, textOf(result));
    const pages = jira.requests.slice(before);
    assert.equal(pages.length, 3);
    assert.deepEqual(pages.map((page) => queryOf(page).nextPageToken), [
      undefined,
      "CAEaAggD-page-2",
      "CAEaAggD-page-3",
    ]);
    for (const page of pages) {
      assert.equal(page.path, "/rest/api/3/search/jql");
      assert.equal(queryOf(page).jql, "project = PROJ ORDER BY updated DESC");
      assert.equal(queryOf(page).maxResults, "2");
      assert.equal(queryOf(page).fields, "summary,status,assignee,updated");
      assert.equal(page.headers.get("authorization"), auth);
    }
    const content = result.structuredContent as { items: Array<{ key: string }> };
    assert.deepEqual(content.items.map((issue) => issue.key), [
      "PROJ-11",
      "PROJ-12",
      "PROJ-21",
      "PROJ-22",
      "PROJ-31",
      "PROJ-32",
    ]);
    assert.deepEqual(content.items[0], {
      key: "PROJ-11",
      // Why no assignee: `select` keeps paths that exist, and an unassigned issue has none.
      fields: {
        summary: "Issue 1.1",
        status: { name: "To Do" },
        updated: "2026-12-01T10:00:00.000+0000",
      },
    });
    assert.equal((result.structuredContent as { pages: number }).pages, 3);
    assert.equal((result.structuredContent as { truncated: boolean }).truncated, false);
  });

  await t.step("search stops at maxPages (5) and says truncated", async () => {
    const before = jira.requests.length;
    const result = await nexus.call("jira_search_issues", { jql: "project = huge" });
    assert.equal(jira.requests.length - before, 5);
    assert.deepEqual(
      { pages: (result.structuredContent as { pages: number }).pages, truncated: true },
      { pages: 5, truncated: (result.structuredContent as { truncated: boolean }).truncated },
    );
  });

  await t.step("a JQL syntax error is an isError result quoting Jira", async () => {
    const result = await nexus.call("jira_search_issues", { jql: "project PROJ" });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /HTTP 400 Bad Request: .*Error in the JQL Query/);
  });

  await t.step("create issue: fields with an ADF description", async () => {
    const result = await nexus.call("jira_create_issue", {
      project: "PROJ",
      issueType: "Bug",
      summary: "Printer on fire",
      description: "It smells of toner.",
      labels: ["hardware"],
    });
    assert.equal(result.isError, undefined, textOf(result));
    const sent = jira.last();
    assert.equal(sent.method, "POST");
    assert.equal(sent.path, "/rest/api/3/issue");
    assert.equal(sent.headers.get("content-type"), "application/json");
    assert.deepEqual(sent.body, {
      fields: {
        project: { key: "PROJ" },
        issuetype: { name: "Bug" },
        summary: "Printer on fire",
        labels: ["hardware"],
        description: {
          type: "doc",
          version: 1,
          content: [{
            type: "paragraph",
            content: [{ type: "text", text: "It smells of toner." }],
          }],
        },
      },
    });
    assert.deepEqual(result.structuredContent, { id: "10100", key: "PROJ-124" });
  });

  await t.step("Jira's field errors become an isError result naming the field", async () => {
    const result = await nexus.call("jira_create_issue", {
      project: "NOPE",
      issueType: "Bug",
      summary: "x",
      description: "y",
    });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /HTTP 400 Bad Request: .*"project":"valid project is required"/);
    assert.equal(Object.hasOwn(jira.last().body as object, "labels"), false);
  });

  await t.step("comment, list transitions, transition", async () => {
    const commented = await nexus.call("jira_add_comment", { key: "PROJ-123", body: "On it." });
    assert.deepEqual(jira.last().body, {
      body: {
        type: "doc",
        version: 1,
        content: [{ type: "paragraph", content: [{ type: "text", text: "On it." }] }],
      },
    });
    assert.equal(jira.last().path, "/rest/api/3/issue/PROJ-123/comment");
    assert.deepEqual(commented.structuredContent, {
      id: "10500",
      created: "2026-12-04T23:00:00.000+0000",
    });
    const listed = await nexus.call("jira_list_transitions", { key: "PROJ-123" });
    assert.deepEqual(listed.structuredContent, {
      transitions: [
        { id: "21", name: "Start progress", to: { name: "In Progress" } },
        { id: "31", name: "Done", to: { name: "Done" } },
      ],
    });
    const moved = await nexus.call("jira_transition_issue", {
      key: "PROJ-123",
      transitionId: "21",
    });
    assert.equal(jira.last().method, "POST");
    assert.deepEqual(jira.last().body, { transition: { id: "21" } });
    assert.equal(moved.isError, undefined);
    assert.equal(textOf(moved), "HTTP 204 No Content");
    const refused = await nexus.call("jira_transition_issue", {
      key: "PROJ-123",
      transitionId: "99",
    });
    assert.equal(refused.isError, true);
    assert.match(textOf(refused), /Transition id '99' is not valid for this issue/);
  });

  await t.step("a missing issue is an isError result with Jira's message", async () => {
    const result = await nexus.call("jira_get_issue", { key: "PROJ-404" });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /HTTP 404 Not Found: .*Issue does not exist/);
  });

  await t.step("bad arguments never reach Jira", async () => {
    const before = jira.requests.length;
    const result = await nexus.call("jira_get_issue", { key: "proj-1/../../admin" });
    assert.equal(result.isError, true);
    assert.equal(jira.requests.length, before);
  });

  await t.step("HTTP 429 with Retry-After: an isError result, then calls are held", async () => {
    const limited = await nexus.call("jira_get_issue", { key: "PROJ-429" });
    assert.equal(limited.isError, true);
    assert.match(textOf(limited), /HTTP 429 Too Many Requests: .*Rate limit exceeded/);
    const before = jira.requests.length;
    // Why PROJ-7: PROJ-123 is in the response cache (cache: ttl 30s), served without Jira.
    await assert.rejects(
      nexus.call("jira_get_issue", { key: "PROJ-7" }),
      (error) => isGatewayError(error) && error.code === "RATE_LIMITED",
    );
    assert.equal(jira.requests.length, before, "held calls never reach Jira");
  });
});

Deno.test("jira.yaml: a wrong API token is an isError result with Jira's 401 text", async () => {
  await using jira = startJira();
  await using nexus = await startVendorGateway({
    file: "jira.yaml",
    env: { NEXUS_TOOL_JIRA_ORIGIN: jira.origin },
    credentials: [{
      name: "jira",
      kind: "basic",
      settings: { username: JIRA_USER.email, baseUrl: jira.origin },
      secret: "ATATT-wrong-token-9999",
    }],
  });
  const result = await nexus.call("jira_get_issue", { key: "PROJ-1" });
  assert.equal(result.isError, true);
  assert.match(
    textOf(result),
    /HTTP 401 Unauthorized: Client must be authenticated to access this resource/,
  );
});
