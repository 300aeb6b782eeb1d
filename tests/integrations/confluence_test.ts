/**
 * `tools/confluence.yaml`, unchanged, through the real gateway pipeline against a Confluence
 * Cloud stand-in: Basic auth to the site named by the credential's `baseUrl`, CQL search (v1),
 * pages (v2) with the storage body reduced to text by `htmlToText`, page creation, and both API
 * generations' error shapes as `isError` results.
 */

import assert from "node:assert/strict";
import { CONFLUENCE_USER, startConfluence } from "../_support/vendors/confluence.ts";
import { startVendorGateway, textOf } from "../_support/vendors/gateway.ts";
import { basicAuth, queryOf } from "../_support/vendors/stand_in.ts";

Deno.test("confluence.yaml speaks Confluence Cloud REST to a stand-in", async (t) => {
  await using wiki = startConfluence();
  await using nexus = await startVendorGateway({
    file: "confluence.yaml",
    env: { NEXUS_TOOL_CONFLUENCE_ORIGIN: wiki.origin },
    credentials: [{
      name: "confluence",
      kind: "basic",
      settings: { username: CONFLUENCE_USER.email, baseUrl: wiki.origin },
      secret: CONFLUENCE_USER.token,
    }],
  });

  await t.step("CQL search: v1 endpoint, excerpt as text", async () => {
    const result = await nexus.call("confluence_search", {
      cql: 'type = page AND text ~ "onboarding"',
      limit: 10,
    });
    assert.equal(result.isError, undefined, textOf(result));
    const sent = wiki.last();
    assert.equal(sent.path, "/wiki/rest/api/search");
    assert.deepEqual(queryOf(sent), { cql: 'type = page AND text ~ "onboarding"', limit: "10" });
    assert.equal(
      sent.headers.get("authorization"),
      basicAuth(CONFLUENCE_USER.email, CONFLUENCE_USER.token),
    );
    assert.deepEqual(result.structuredContent, {
      results: [{
        content: { id: "65601", type: "page" },
        title: "@@@hl@@@Onboarding@@@endhl@@@",
        resultGlobalContainer: { title: "Engineering" },
        excerpt: "Welcome to ENG team & friends",
        lastModified: "2026-11-30T12:00:00.000Z",
      }],
      size: 1,
      totalSize: 1,
    });
  });

  await t.step("a CQL parse error is an isError result with Confluence's message", async () => {
    const result = await nexus.call("confluence_search", { cql: "onboarding" });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /HTTP 400 Bad Request: .*Could not parse cql : onboarding/);
  });

  await t.step("get page: v2 with body-format=storage, the body reduced to text", async () => {
    const result = await nexus.call("confluence_get_page", { id: "65601" });
    assert.equal(result.isError, undefined, textOf(result));
    assert.equal(wiki.last().path, "/wiki/api/v2/pages/65601");
    assert.deepEqual(queryOf(wiki.last()), { "body-format": "storage" });
    assert.deepEqual(result.structuredContent, {
      id: "65601",
      title: "Onboarding",
      spaceId: "98305",
      parentId: "65540",
      status: "current",
      version: { number: 7 },
      body: {
        storage: {
          value: "Onboarding\n\nWelcome to ENG team.\n\nAsk in #help.\n\nDay\tTask\n1\t" +
            "Laptop & accounts\n\nnpm ci",
        },
      },
    });
  });

  await t.step("a missing page is an isError result with the v2 error", async () => {
    const result = await nexus.call("confluence_get_page", { id: "404" });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /HTTP 404 Not Found: .*"code":"NOT_FOUND"/);
  });

  await t.step("create page: v2 body in storage format", async () => {
    const result = await nexus.call("confluence_create_page", {
      spaceId: "98305",
      title: "Runbook",
      body: "<p>Restart the <code>api</code> pod.</p>",
      parentId: "65601",
    });
    assert.equal(result.isError, undefined, textOf(result));
    assert.equal(wiki.last().method, "POST");
    assert.equal(wiki.last().path, "/wiki/api/v2/pages");
    assert.deepEqual(wiki.last().body, {
      spaceId: "98305",
      status: "current",
      title: "Runbook",
      parentId: "65601",
      body: { representation: "storage", value: "<p>Restart the <code>api</code> pod.</p>" },
    });
    assert.deepEqual(result.structuredContent, {
      id: "70001",
      title: "Runbook",
      spaceId: "98305",
      version: { number: 1 },
      _links: { webui: "/spaces/ENG/pages/70001" },
    });
    const taken = await nexus.call("confluence_create_page", {
      spaceId: "98305",
      title: "Onboarding",
      body: "<p>x</p>",
    });
    assert.equal(taken.isError, true);
    assert.match(textOf(taken), /A page already exists with the same TITLE/);
    assert.equal(Object.hasOwn(wiki.last().body as object, "parentId"), false);
  });
});
