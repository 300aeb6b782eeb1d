/**
 * Federation of prompts, resources and templates (pure): rules, names, clashes and routing.
 */

import assert from "node:assert/strict";
import { readUpstreamSpecs, type UpstreamSpec } from "../../lib/upstream_spec/mod.ts";
import {
  federateCatalog,
  federatedPromptName,
  mergeCatalogs,
  routeUri,
  type UpstreamCatalog,
} from "../../lib/upstreams/mod.ts";

function spec(value: Record<string, unknown>): UpstreamSpec {
  const { specs, problems } = readUpstreamSpecs([value]);
  assert.deepEqual(problems, []);
  return specs[0]!;
}

const LISTED = {
  prompts: [
    { name: "greet", description: "Greets.", arguments: [{ name: "who" }] },
    { name: "summarize", description: "Sums up." },
    { name: "internal_debug" },
    { name: "bad name" },
    { description: "no name" },
  ],
  resources: [
    { uri: "file:///docs/a.md", name: "a" },
    { uri: "file:///secret/key", name: "key" },
    { uri: "file:///docs/long", name: "x".repeat(129) },
  ],
  templates: [
    { uriTemplate: "notes://{id}", name: "note" },
    { uriTemplate: "broken://{id", name: "broken" },
  ],
};

function federated(
  value: Record<string, unknown>,
): { catalog: UpstreamCatalog; problems: string[] } {
  return federateCatalog(spec(value), LISTED);
}

Deno.test("federateCatalog() renames and prefixes prompts, keeps URIs, applies allow/deny", () => {
  const { catalog, problems } = federated({
    name: "fx",
    url: "http://127.0.0.1:1/mcp",
    prompts: { deny: ["internal_*"], rename: { summarize: "sum" }, describe: { greet: "Hi." } },
    resources: { deny: ["file:///secret/*"] },
  });
  assert.deepEqual(catalog.prompts.map((item) => [item.name, item.original]), [
    ["fx_greet", "greet"],
    ["fx_sum", "summarize"],
  ]);
  assert.deepEqual(catalog.prompts[0]!.descriptor, {
    name: "fx_greet",
    description: "Hi.",
    arguments: [{ name: "who" }],
  });
  assert.deepEqual(catalog.resources.map((item) => item.uri), ["file:///docs/a.md"]);
  assert.deepEqual(catalog.templates.map((item) => item.uriTemplate), ["notes://{id}"]);
  assert.equal(catalog.prefix, "fx_");
  assert.equal(problems.length, 3, problems.join("\n"));
  assert.match(problems[0]!, /upstream "fx" prompt "bad name": name "fx_bad name" breaks/);
  assert.match(problems[1]!, /resource "file:\/\/\/docs\/long": name is 129 characters long/);
  assert.match(problems[2]!, /resource template "broken:\/\/\{id": not a valid URI template/);
});

Deno.test("federateCatalog() with an allow list keeps only matching prompts; prefix '' adds none", () => {
  const { catalog } = federated({
    name: "fx",
    url: "http://127.0.0.1:1/mcp",
    prefix: "",
    prompts: { allow: ["gr*"] },
    resources: { allow: ["notes://*"] },
  });
  assert.deepEqual(catalog.prompts.map((item) => item.name), ["greet"]);
  assert.deepEqual(catalog.resources, []);
  assert.deepEqual(catalog.templates.map((item) => item.uriTemplate), ["notes://{id}"]);
  assert.equal(
    federatedPromptName(spec({ name: "a", url: "http://x/", separator: "." }), "p"),
    "a.p",
  );
});

Deno.test("mergeCatalogs() keeps the first upstream's prompt, URI and template, naming both", () => {
  const first = federated({ name: "one", url: "http://127.0.0.1:1/mcp", prefix: "" }).catalog;
  const second = federated({ name: "two", url: "http://127.0.0.1:2/mcp", prefix: "" }).catalog;
  const { catalog, problems } = mergeCatalogs([first, second]);
  assert.ok(problems.includes(
    'prompt "greet" of upstream "two" clashes with the same prompt from upstream "one"',
  ));
  assert.ok(problems.includes(
    'resource "file:///docs/a.md" of upstream "two" clashes with the same resource from upstream "one"',
  ));
  assert.ok(problems.includes(
    'resource template "notes://{id}" of upstream "two" clashes with the same resource template from upstream "one"',
  ));
  assert.ok([...catalog.promptByName.values()].every((item) => item.upstream === "one"));
  assert.deepEqual(catalog.prompts.map((item) => item.name), [
    "greet",
    "internal_debug",
    "summarize",
  ]);
});

Deno.test("routeUri() prefers an exact listed URI, then templates in upstream order", () => {
  const one = federateCatalog(spec({ name: "one", url: "http://127.0.0.1:1/mcp" }), {
    prompts: [],
    resources: [{ uri: "notes://7", name: "seven" }],
    templates: [{ uriTemplate: "docs://{path}", name: "doc" }],
  }).catalog;
  const two = federateCatalog(spec({ name: "two", url: "http://127.0.0.1:2/mcp" }), {
    prompts: [],
    resources: [],
    templates: [{ uriTemplate: "notes://{id}", name: "note" }, {
      uriTemplate: "docs://{+path}",
      name: "doc2",
    }],
  }).catalog;
  const { catalog } = mergeCatalogs([one, two]);
  assert.deepEqual(routeUri(catalog, "notes://7"), { upstream: "one", via: "resource" });
  assert.deepEqual(routeUri(catalog, "notes://8"), { upstream: "two", via: "template" });
  assert.deepEqual(routeUri(catalog, "docs://readme"), { upstream: "one", via: "template" });
  assert.equal(routeUri(catalog, "other://x"), undefined);
});

Deno.test("readUpstreamSpecs() reads prompts and resources rules and reports bad ones", () => {
  const good = spec({
    name: "fx",
    url: "http://127.0.0.1:1/mcp",
    prompts: { allow: ["a*"], rename: { a: "b" } },
    resources: { deny: ["file:///*"] },
  });
  assert.deepEqual(good.prompts, { allow: ["a*"], deny: [], rename: { a: "b" }, describe: {} });
  assert.deepEqual(good.resources?.deny, ["file:///*"]);
  const { problems } = readUpstreamSpecs([
    { name: "a", url: "http://127.0.0.1:1/mcp", prompts: { allow: "x" } },
    { name: "b", url: "http://127.0.0.1:1/mcp", resources: { rename: { a: "b" } } },
    { name: "c", url: "http://127.0.0.1:1/mcp", prompts: [] },
  ]);
  assert.deepEqual(problems, [
    { path: [0, "prompts", "allow"], message: "allow must be a list of name globs" },
    { path: [1, "resources", "rename"], message: 'unknown key "rename"' },
    { path: [2, "prompts"], message: "prompts must be a mapping (allow, deny, rename, describe)" },
  ]);
});
