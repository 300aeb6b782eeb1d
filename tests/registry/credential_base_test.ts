/**
 * `baseUrl: { fromCredential, allow }`: the stand-in origin a credential-based tool is stored with,
 * the `allow` patterns (with `${VAR:-}` entries), and the problems a tool file author sees.
 */

import assert from "node:assert/strict";
import { originAllowed } from "../../lib/registry/credential_base.ts";
import { buildSnapshot } from "../../lib/registry/snapshot.ts";
import { loadYaml } from "../_support/registry_fixtures/yaml.ts";

const FILE = `baseUrl:
  fromCredential: baseUrl
  allow: ["https://*.atlassian.net", "\${NEXUS_TOOL_JIRA_ORIGIN:-}"]
tools:
  - name: jira_get
    description: Get an issue.
    input: { type: object, properties: { key: { type: string } } }
    auth: jira
    http: { url: "/rest/api/3/issue/{key}" }
`;

Deno.test("a credential-based tool is stored at its credential's stand-in origin", () => {
  const { tools, problems } = loadYaml(FILE);
  assert.deepEqual(problems, []);
  const backend = tools[0]?.backend;
  assert.equal(backend?.kind, "http");
  if (backend?.kind !== "http") return;
  assert.equal(backend.url, "https://jira.credential.invalid/rest/api/3/issue/{key}");
  assert.deepEqual(backend.baseFrom, { field: "baseUrl", allow: ["https://*.atlassian.net"] });
  const snapshot = buildSnapshot(tools, 1);
  assert.deepEqual([...snapshot.egressOrigins], [], "a stand-in origin is never an egress origin");
});

Deno.test("allow entries read tool variables; an empty one is dropped", () => {
  const { tools } = loadYaml(FILE, { NEXUS_TOOL_JIRA_ORIGIN: "http://127.0.0.1:8081/" });
  const backend = tools[0]?.backend;
  assert.deepEqual(backend?.kind === "http" ? backend.baseFrom?.allow : undefined, [
    "https://*.atlassian.net",
    "http://127.0.0.1:8081",
  ]);
});

Deno.test("problems: a /path tool without auth, a bad field, an allow that is not an origin", () => {
  const text = `baseUrl:
  fromCredential: "base url"
  allow: ["https://*.atlassian.net/wiki"]
  extra: 1
tools:
  - name: t1
    description: A tool.
    http: { url: /x }
`;
  assert.deepEqual(loadYaml(text).problems, [
    "t.yaml:2: baseUrl.fromCredential must name a credential field, such as baseUrl or instance_url",
    "t.yaml:3: baseUrl.allow: not an origin (scheme://host[:port]): https://*.atlassian.net/wiki",
    't.yaml:4: unknown key "baseUrl.extra"',
  ]);
  const noAuth = FILE.replace("    auth: jira\n", "");
  assert.deepEqual(loadYaml(noAuth).problems, [
    't.yaml:8: tool "jira_get": a url starting with "/" in a file whose baseUrl comes from a ' +
    "credential needs auth: the credential that holds the base URL",
  ]);
});

Deno.test("originAllowed() matches exact origins and *.domain below the domain only", () => {
  const allow = ["https://*.atlassian.net", "http://127.0.0.1:8081"];
  assert.equal(originAllowed("https://acme.atlassian.net", allow), true);
  assert.equal(originAllowed("https://a.b.atlassian.net", allow), true);
  assert.equal(originAllowed("https://atlassian.net", allow), false);
  assert.equal(originAllowed("https://evilatlassian.net", allow), false);
  assert.equal(originAllowed("http://acme.atlassian.net", allow), false, "scheme must match");
  assert.equal(originAllowed("https://acme.atlassian.net:8443", allow), false, "port must match");
  assert.equal(originAllowed("http://127.0.0.1:8081", allow), true);
  assert.equal(originAllowed("http://127.0.0.1:8082", allow), false);
  assert.equal(originAllowed("not a url", allow), false);
});
