/**
 * `tools/slack.yaml`, unchanged, through the real gateway pipeline against a Slack Web API
 * stand-in: bearer tokens (bot, and user for search), JSON `chat.postMessage`, cursor pagination,
 * and Slack's HTTP 200 `{ok: false, error}` answers turned into `isError` results by `errorWhen`.
 */

import assert from "node:assert/strict";
import { isGatewayError } from "../../lib/errors.ts";
import { startVendorGateway, textOf } from "../_support/vendors/gateway.ts";
import { SLACK_TOKENS, startSlack } from "../_support/vendors/slack.ts";
import { queryOf } from "../_support/vendors/stand_in.ts";

Deno.test("slack.yaml speaks the Slack Web API to a stand-in", async (t) => {
  await using slack = startSlack();
  await using nexus = await startVendorGateway({
    file: "slack.yaml",
    env: { NEXUS_TOOL_SLACK_URL: slack.origin },
    credentials: [
      { name: "slack", kind: "bearer", secret: SLACK_TOKENS.bot },
      { name: "slack-user", kind: "bearer", secret: SLACK_TOKENS.user },
    ],
  });

  await t.step("chat.postMessage: JSON body with the bot token", async () => {
    const result = await nexus.call("slack_post_message", {
      channel: "C0123456789",
      text: "*Deploy* finished",
      thread_ts: "1733353000.000100",
    });
    assert.equal(result.isError, undefined, textOf(result));
    const sent = slack.last();
    assert.equal(sent.method, "POST");
    assert.equal(sent.path, "/chat.postMessage");
    assert.equal(sent.headers.get("authorization"), `Bearer ${SLACK_TOKENS.bot}`);
    assert.equal(sent.headers.get("content-type"), "application/json; charset=utf-8");
    assert.deepEqual(sent.body, {
      channel: "C0123456789",
      text: "*Deploy* finished",
      thread_ts: "1733353000.000100",
    });
    assert.deepEqual(result.structuredContent, {
      ok: true,
      channel: "C0123456789",
      ts: "1733353200.000100",
    });
  });

  await t.step(
    "{ok: false, error} with HTTP 200 is an isError result naming the error",
    async () => {
      const result = await nexus.call("slack_post_message", { channel: "C0000000404", text: "hi" });
      assert.equal(result.isError, true);
      assert.equal(textOf(result), "Upstream reported an error: channel_not_found");
      assert.equal(Object.hasOwn(slack.last().body as object, "thread_ts"), false);
    },
  );

  await t.step("conversations.list: next_cursor followed until empty", async () => {
    const before = slack.requests.length;
    const result = await nexus.call("slack_list_channels", {});
    assert.equal(result.isError, undefined, textOf(result));
    const pages = slack.requests.slice(before);
    assert.deepEqual(pages.map((page) => queryOf(page).cursor), [
      undefined,
      "dGVhbTpD-2",
      "dGVhbTpD-3",
    ]);
    for (const page of pages) {
      assert.equal(page.method, "GET");
      assert.equal(page.path, "/conversations.list");
      assert.equal(queryOf(page).types, "public_channel,private_channel");
      assert.equal(queryOf(page).exclude_archived, "true");
      assert.equal(queryOf(page).limit, "200");
    }
    const content = result.structuredContent as {
      items: Array<Record<string, unknown>>;
      pages: number;
      truncated: boolean;
    };
    assert.equal(content.items.length, 6);
    assert.deepEqual(content.items[1], {
      id: "C0000012000",
      name: "team-1-2",
      is_private: true,
      topic: { value: "Topic 1.2" },
      num_members: 12,
    });
    assert.deepEqual([content.pages, content.truncated], [3, false]);
  });

  await t.step("conversations.history, and its channel_not_found", async () => {
    const result = await nexus.call("slack_channel_history", {
      channel: "C0000011000",
      limit: 20,
      oldest: "1733350000",
    });
    assert.deepEqual(queryOf(slack.last()), {
      channel: "C0000011000",
      limit: "20",
      oldest: "1733350000",
    });
    const items = (result.structuredContent as { items: unknown[] }).items;
    assert.deepEqual(items[0], { user: "U0ADA0001", text: "Deploy done", ts: "1733353100.000200" });
    const missing = await nexus.call("slack_channel_history", { channel: "C0000000404" });
    assert.equal(missing.isError, true);
    assert.equal(textOf(missing), "Upstream reported an error: channel_not_found");
  });

  await t.step("search.messages uses the user token", async () => {
    const result = await nexus.call("slack_search_messages", {
      query: "deploy in:#team-1-1",
      count: 5,
    });
    assert.equal(result.isError, undefined, textOf(result));
    assert.equal(slack.last().headers.get("authorization"), `Bearer ${SLACK_TOKENS.user}`);
    assert.deepEqual(queryOf(slack.last()), { query: "deploy in:#team-1-1", count: "5" });
    assert.deepEqual(result.structuredContent, {
      messages: {
        total: 1,
        matches: [{
          channel: { name: "team-1-1" },
          username: "ada",
          text: "Deploy done",
          ts: "1733353100.000200",
          permalink: "https://acme.slack.com/archives/C0000011000/p1733353100000200",
        }],
      },
    });
  });

  await t.step("HTTP 429 with Retry-After: isError, then calls to Slack are held", async () => {
    const limited = await nexus.call("slack_post_message", { channel: "C0000000429", text: "x" });
    assert.equal(limited.isError, true);
    assert.match(textOf(limited), /HTTP 429 Too Many Requests/);
    const before = slack.requests.length;
    await assert.rejects(
      nexus.call("slack_post_message", { channel: "C0123456789", text: "again" }),
      (error) => isGatewayError(error) && error.code === "RATE_LIMITED",
    );
    assert.equal(slack.requests.length, before);
  });
});

Deno.test("slack.yaml: a revoked token's invalid_auth is an isError result", async () => {
  await using slack = startSlack();
  await using nexus = await startVendorGateway({
    file: "slack.yaml",
    env: { NEXUS_TOOL_SLACK_URL: slack.origin },
    credentials: [{ name: "slack", kind: "bearer", secret: "xoxb-revoked-0000" }],
  });
  const result = await nexus.call("slack_list_channels", {});
  assert.equal(result.isError, true);
  assert.equal(textOf(result), "Upstream reported an error: invalid_auth");
});
