/** Tool, argument, credential and tag names the importer makes, and its globs. */

import assert from "node:assert/strict";
import { compileGlob } from "../../lib/openapi/glob.ts";
import {
  argName,
  baseToolName,
  credentialName,
  prefixedName,
  tagName,
  uniqueName,
} from "../../lib/openapi/names.ts";
import { checkToolName } from "../../lib/registry/mod.ts";

Deno.test("baseToolName() sanitises operationIds and names operations without one", () => {
  assert.equal(baseToolName("repos/get-content", "get", "/x"), "repos_get-content");
  assert.equal(baseToolName("move node!", "post", "/x"), "move_node");
  assert.equal(baseToolName(undefined, "get", "/users/{id}/repos"), "get_users_id_repos");
  assert.equal(baseToolName("!!!", "delete", "/"), "delete");
  assert.equal(baseToolName(undefined, "get", "/ünïcode/{a.b}"), "get_n_code_a.b");
});

Deno.test("prefixedName() and uniqueName() stay within the MCP rules at 128 characters", () => {
  assert.equal(prefixedName("gh", "issues_create"), "gh_issues_create");
  assert.equal(prefixedName("gh-", "issues_create"), "gh-issues_create");
  const long = prefixedName("p", "x".repeat(200));
  const other = prefixedName("p", `${"x".repeat(199)}y`);
  assert.equal(long.length, 128);
  assert.notEqual(long, other, "two long names cut apart keep apart");
  assert.equal(checkToolName(long), undefined);
  assert.equal(uniqueName("a", new Set(["a", "a_2"])), "a_3");
  const numbered = uniqueName(long, new Set([long]));
  assert.equal(numbered.length, 128);
  assert.ok(numbered.endsWith("_2"));
});

Deno.test("argName(), credentialName() and tagName() follow their own patterns", () => {
  assert.equal(argName("node.id"), "node_id");
  assert.equal(argName("X-Request-Id"), "X-Request-Id");
  assert.equal(argName("+1"), "_1");
  assert.equal(argName("$$"), "arg");
  assert.equal(credentialName("", "petstore_auth"), "petstore_auth");
  assert.equal(credentialName("GH", "Bearer Auth"), "gh_bearer_auth");
  assert.equal(credentialName("", "___"), "api");
  assert.equal(tagName("Pull Requests"), "pull-requests");
  assert.equal(tagName("!!"), undefined);
});

Deno.test("compileGlob() matches * within a segment and ** across segments", () => {
  assert.ok(compileGlob("/repos/*/*/issues")("/repos/{owner}/{repo}/issues"));
  assert.ok(!compileGlob("/repos/*")("/repos/{owner}/{repo}"));
  assert.ok(compileGlob("/repos/**")("/repos/{owner}/{repo}/pulls/{n}"));
  assert.ok(compileGlob("issues_*")("issues_create"));
  assert.ok(compileGlob("issues/?et")("issues/get"));
  assert.ok(!compileGlob("a.b")("aXb"), "dots are literal");
});
