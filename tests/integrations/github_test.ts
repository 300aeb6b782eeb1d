/**
 * `tools/github.yaml`, unchanged, through the real gateway pipeline against a GitHub REST
 * stand-in: bearer token and GitHub's media type and API version headers, Link-header paging up
 * to `maxPages`, `select` keeping answers small, and GitHub's error shapes and rate-limit
 * headers as `isError` results.
 */

import assert from "node:assert/strict";
import { isGatewayError } from "../../lib/errors.ts";
import { startVendorGateway, textOf } from "../_support/vendors/gateway.ts";
import { GITHUB_TOKEN, startGitHub } from "../_support/vendors/github.ts";
import { queryOf } from "../_support/vendors/stand_in.ts";

Deno.test("github.yaml speaks the GitHub REST API to a stand-in", async (t) => {
  await using github = startGitHub();
  await using nexus = await startVendorGateway({
    file: "github.yaml",
    env: { NEXUS_TOOL_GITHUB_URL: github.origin },
    credentials: [{ name: "github", kind: "bearer", secret: GITHUB_TOKEN }],
  });

  await t.step("get repository: headers GitHub asks for, answer narrowed", async () => {
    const result = await nexus.call("github_get_repository", { owner: "octo", repo: "app" });
    assert.equal(result.isError, undefined, textOf(result));
    const sent = github.last();
    assert.equal(sent.path, "/repos/octo/app");
    assert.equal(sent.headers.get("authorization"), `Bearer ${GITHUB_TOKEN}`);
    assert.equal(sent.headers.get("accept"), "application/vnd.github+json");
    assert.equal(sent.headers.get("x-github-api-version"), "2022-11-28");
    assert.equal(sent.headers.get("user-agent"), "nexus-gateway");
    assert.deepEqual(result.structuredContent, {
      full_name: "octo/app",
      description: "The app",
      default_branch: "main",
      visibility: "public",
      archived: false,
      language: "TypeScript",
      topics: ["mcp", "gateway"],
      stargazers_count: 80,
      forks_count: 9,
      open_issues_count: 4,
      pushed_at: "2026-12-03T10:00:00Z",
      html_url: "https://github.com/octo/app",
    });
  });

  await t.step("list issues: Link rel=next followed, stopped at maxPages (3)", async () => {
    const before = github.requests.length;
    const result = await nexus.call("github_list_issues", {
      owner: "octo",
      repo: "app",
      state: "all",
      labels: "bug,ui",
    });
    assert.equal(result.isError, undefined, textOf(result));
    const pages = github.requests.slice(before);
    assert.deepEqual(pages.map((page) => queryOf(page).page), [undefined, "2", "3"]);
    assert.deepEqual(queryOf(pages[0]!), {
      state: "all",
      labels: "bug,ui",
      sort: "updated",
      per_page: "50",
    });
    for (const page of pages) {
      assert.equal(page.headers.get("authorization"), `Bearer ${GITHUB_TOKEN}`);
    }
    const content = result.structuredContent as {
      items: Array<{ number: number }>;
      pages: number;
      truncated: boolean;
    };
    assert.deepEqual(content.items.map((issue) => issue.number), [11, 12, 21, 22, 31, 32]);
    assert.deepEqual(content.items[0], {
      number: 11,
      title: "Issue 11",
      state: "open",
      user: { login: "ada" },
      labels: [{ name: "bug" }],
      comments: 1,
      updated_at: "2026-12-01T10:00:00Z",
    });
    assert.deepEqual([content.pages, content.truncated], [3, false]);
  });

  await t.step("more pages than maxPages: truncated", async () => {
    await using many = startGitHub({ issuePages: 10 });
    await using other = await startVendorGateway({
      file: "github.yaml",
      env: { NEXUS_TOOL_GITHUB_URL: many.origin },
      credentials: [{ name: "github", kind: "bearer", secret: GITHUB_TOKEN }],
    });
    const result = await other.call("github_list_issues", { owner: "octo", repo: "app" });
    assert.equal(many.requests.length, 3);
    const content = result.structuredContent as { pages: number; truncated: boolean };
    assert.deepEqual([content.pages, content.truncated], [3, true]);
  });

  await t.step("search issues, get a pull request and its files", async () => {
    const found = await nexus.call("github_search_issues", { q: "repo:octo/app is:open" });
    assert.deepEqual(queryOf(github.last()), { q: "repo:octo/app is:open", per_page: "50" });
    assert.equal((found.structuredContent as { items: unknown[] }).items.length, 1);
    const pull = await nexus.call("github_get_pull_request", {
      owner: "octo",
      repo: "app",
      number: 42,
    });
    assert.equal(github.last().path, "/repos/octo/app/pulls/42");
    assert.equal((pull.structuredContent as { changed_files: number }).changed_files, 2);
    const files = await nexus.call("github_list_pull_request_files", {
      owner: "octo",
      repo: "app",
      number: 42,
    });
    assert.deepEqual(queryOf(github.last()), { per_page: "100" });
    const items = (files.structuredContent as { items: Array<{ filename: string }> }).items;
    assert.deepEqual(items.map((file) => file.filename), ["src/app.ts", "README.md"]);
  });

  await t.step("create an issue and comment", async () => {
    const created = await nexus.call("github_create_issue", {
      owner: "octo",
      repo: "app",
      title: "Crash on start",
      body: "Steps…",
      labels: ["bug"],
    });
    assert.equal(github.last().method, "POST");
    assert.deepEqual(github.last().body, {
      title: "Crash on start",
      body: "Steps…",
      labels: ["bug"],
    });
    assert.deepEqual(created.structuredContent, {
      number: 99,
      html_url: "https://github.com/octo/app/issues/99",
      state: "open",
    });
    const commented = await nexus.call("github_add_comment", {
      owner: "octo",
      repo: "app",
      number: 42,
      body: "LGTM",
    });
    assert.equal(github.last().path, "/repos/octo/app/issues/42/comments");
    assert.deepEqual(github.last().body, { body: "LGTM" });
    assert.equal((commented.structuredContent as { id: number }).id, 1_234_567);
  });

  await t.step("GitHub's 404 is an isError result; bad arguments never reach GitHub", async () => {
    const missing = await nexus.call("github_get_repository", { owner: "octo", repo: "gone" });
    assert.equal(missing.isError, true);
    assert.match(textOf(missing), /HTTP 404 Not Found: .*"message":"Not Found"/);
    const before = github.requests.length;
    const invalid = await nexus.call("github_create_issue", {
      owner: "octo",
      repo: "app",
      title: "",
    });
    assert.equal(invalid.isError, true, "an empty title is refused by the input schema");
    assert.match(textOf(invalid), /title/);
    assert.equal(github.requests.length, before);
  });

  await t.step("a spent quota (403, x-ratelimit-remaining: 0) holds later calls", async () => {
    const spent = await nexus.call("github_get_repository", { owner: "octo", repo: "spent" });
    assert.equal(spent.isError, true);
    assert.match(textOf(spent), /HTTP 403 Forbidden: .*API rate limit exceeded/);
    const before = github.requests.length;
    await assert.rejects(
      nexus.call("github_get_pull_request", { owner: "octo", repo: "app", number: 1 }),
      (error) => isGatewayError(error) && error.code === "RATE_LIMITED",
    );
    assert.equal(github.requests.length, before);
  });
});
