/**
 * Policies and virtual servers: who may see and call which tool, on which endpoint.
 */

import assert from "node:assert/strict";
import {
  type Caller,
  createPolicy,
  type PolicyRule,
  type Principal,
  stdioPrincipal,
  type VirtualServerSpec,
} from "../../lib/auth/mod.ts";
import type { ToolDefinition } from "../../lib/registry/mod.ts";

const TOOLS = [
  "jira_get_issue",
  "jira_delete_issue",
  "github_search",
  "demo_echo",
  "billing_refund",
];
const TAGS: Record<string, string[]> = { github_search: ["code", "read"], demo_echo: ["demo"] };

function tool(name: string): ToolDefinition {
  return { name, tags: TAGS[name] } as unknown as ToolDefinition;
}

function client(name: string, groups: string[] = [], tools?: string[]): Principal {
  return { id: `key:${name}`, kind: "api_key", name, groups, ...(tools ? { tools } : {}) };
}

function rule(partial: Partial<PolicyRule>): PolicyRule {
  return { clients: [], groups: [], tools: [], tags: [], deny: [], ...partial };
}

function server(partial: Partial<VirtualServerSpec>): VirtualServerSpec {
  return { tools: [], tags: [], clients: [], groups: [], ...partial };
}

function visible(policy: ReturnType<typeof createPolicy>, caller: Caller): string[] {
  return TOOLS.filter((name) => policy.canUse(caller, tool(name)));
}

Deno.test("with no policy every tool is visible on /mcp", () => {
  const policy = createPolicy({});
  assert.deepEqual(visible(policy, { principal: client("a"), server: "default" }), TOOLS);
});

Deno.test("policies allow by name pattern, tag and group; deny wins", () => {
  const policy = createPolicy({
    rules: [
      rule({ clients: ["key:support-*"], tools: ["jira_*"], deny: ["jira_delete_*"] }),
      rule({ groups: ["engineering"], tags: ["code"] }),
      rule({ clients: ["key:billing"], tools: ["billing_refund"] }),
    ],
  });
  const at = (principal: Principal) => visible(policy, { principal, server: "default" });
  assert.deepEqual(at(client("support-bot")), ["jira_get_issue"]);
  assert.deepEqual(at(client("dev", ["engineering"])), ["github_search"]);
  assert.deepEqual(at(client("support-dev", ["engineering"])), ["jira_get_issue", "github_search"]);
  assert.deepEqual(at(client("billing")), ["billing_refund"]);
  assert.deepEqual(at(client("stranger")), [], "no policy applies: nothing is allowed");
});

Deno.test("a policy with no clients or groups applies to everyone", () => {
  const policy = createPolicy({ rules: [rule({ tools: ["demo_*"] })] });
  assert.deepEqual(visible(policy, { principal: client("x"), server: "default" }), ["demo_echo"]);
});

Deno.test("a key's own tool list narrows what the policies allow", () => {
  const policy = createPolicy({ rules: [rule({ tools: ["*"] })] });
  const caller = { principal: client("k", [], ["jira_get_*", "demo_echo"]), server: "default" };
  assert.deepEqual(visible(policy, caller), ["jira_get_issue", "demo_echo"]);
});

Deno.test("a virtual server exposes only its bundle, and only to whom it admits", () => {
  const policy = createPolicy({
    servers: {
      support: server({ tools: ["jira_*"], tags: ["demo"] }),
      code: server({ tags: ["code"], groups: ["engineering"] }),
    },
  });
  const support = { principal: client("a"), server: "support" };
  assert.deepEqual(visible(policy, support), ["jira_get_issue", "jira_delete_issue", "demo_echo"]);
  assert.deepEqual(visible(policy, { principal: client("a"), server: "code" }), []);
  const dev = client("d", ["engineering"]);
  assert.deepEqual(visible(policy, { principal: dev, server: "code" }), ["github_search"]);
  assert.equal(policy.mayEnter(client("a"), "code"), false);
  assert.equal(policy.mayEnter(dev, "code"), true);
  assert.equal(policy.mayEnter(dev, "nope"), false, "an unknown server is closed to all");
  assert.equal(policy.mayEnter(dev, "default"), true);
  assert.deepEqual(visible(policy, { principal: dev, server: "nope" }), []);
  assert.deepEqual(policy.serverNames(), ["support", "code"]);
});

Deno.test("a virtual server's bundle and the policies both apply", () => {
  const policy = createPolicy({
    rules: [rule({ clients: ["key:a"], tools: ["jira_get_issue", "demo_echo"] })],
    servers: { support: server({ tools: ["jira_*"] }) },
  });
  assert.deepEqual(visible(policy, { principal: client("a"), server: "support" }), [
    "jira_get_issue",
  ]);
});

Deno.test("the local stdio client is not subject to policies", () => {
  const policy = createPolicy({ rules: [rule({ clients: ["key:nobody"], tools: ["*"] })] });
  assert.deepEqual(visible(policy, { principal: stdioPrincipal(), server: "default" }), TOOLS);
});

Deno.test("rateLimitFor() merges overrides of applying policies, earlier ones winning", () => {
  const policy = createPolicy({
    rules: [
      rule({ clients: ["key:batch"], tools: ["*"], rateLimit: { perClient: "6000/min" } }),
      rule({ groups: ["bulk"], rateLimit: { perClient: "10/min" } }),
    ],
  });
  assert.deepEqual(policy.rateLimitFor(client("batch", ["bulk"])), { perClient: "6000/min" });
  assert.deepEqual(policy.rateLimitFor(client("other", ["bulk"])), { perClient: "10/min" });
  assert.equal(policy.rateLimitFor(client("other")), undefined);
});

Deno.test("glob patterns match whole names and escape regex characters", () => {
  const policy = createPolicy({ rules: [rule({ tools: ["demo.?cho", "jira_get*"] })] });
  const principal = client("x");
  const can = (name: string) => policy.canUse({ principal, server: "default" }, tool(name));
  assert.equal(can("demo_echo"), false, "`.` is literal");
  assert.equal(can("demo.echo"), true);
  assert.equal(can("xjira_get_issue"), false, "anchored at the start");
});

function jwtClient(name: string, subject = "user-1"): Principal {
  return { id: `jwt:https://idp.example#${subject}`, kind: "jwt", name, groups: [] };
}

Deno.test("a key named like a JWT client never matches a jwt: entry, and the reverse", () => {
  const policy = createPolicy({
    rules: [
      rule({ clients: ["jwt:alice"], tools: ["jira_*"] }),
      rule({ clients: ["key:bob"], tools: ["demo_echo"] }),
    ],
    servers: { ops: server({ tools: ["*"], clients: ["jwt:alice"] }) },
  });
  const at = (principal: Principal) => visible(policy, { principal, server: "default" });
  assert.deepEqual(at(jwtClient("alice")), ["jira_get_issue", "jira_delete_issue"]);
  assert.deepEqual(at(client("alice")), [], "an API key named alice is not the JWT client alice");
  assert.deepEqual(at(client("bob")), ["demo_echo"]);
  assert.deepEqual(at(jwtClient("bob")), [], "a JWT client bob is not the API key bob");
  assert.equal(policy.mayEnter(jwtClient("alice"), "ops"), true);
  assert.equal(policy.mayEnter(client("alice"), "ops"), false);
});

Deno.test("key: entries match a key's name or id; jwt: entries a client or issuer#subject", () => {
  const policy = createPolicy({
    rules: [
      rule({ clients: ["key:k_123"], tools: ["demo_echo"] }),
      rule({ clients: ["jwt:https://idp.example#svc-*"], tools: ["github_search"] }),
    ],
  });
  const keyById: Principal = { id: "key:k_123", kind: "api_key", name: "ops-bot", groups: [] };
  const at = (principal: Principal) => visible(policy, { principal, server: "default" });
  assert.deepEqual(at(keyById), ["demo_echo"]);
  assert.deepEqual(at(jwtClient("anything", "svc-7")), ["github_search"]);
  assert.deepEqual(at(jwtClient("anything", "user-7")), []);
});

Deno.test("createPolicy() refuses a client entry without its kind, saying how to write it", () => {
  assert.throws(
    () => createPolicy({ rules: [rule({ clients: ["alice"], tools: ["*"] })] }),
    {
      name: "GatewayError",
      message: 'Invalid policy client: "alice" names no client kind: write "key:alice" for an ' +
        'API key or "jwt:alice" for a JWT client',
    },
  );
});
