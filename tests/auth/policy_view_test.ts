/** `describeToolAccess()` and `Policy.describe()`: which policies and virtual servers name a tool. */

import assert from "node:assert/strict";
import { createPolicy, describeToolAccess, type PolicyRule } from "../../lib/auth/mod.ts";

function rule(extra: Partial<PolicyRule>): PolicyRule {
  return { clients: [], groups: [], tools: [], tags: [], deny: [], ...extra };
}

const RULES = [
  rule({ name: "support", groups: ["support"], tools: ["jira_*"] }),
  rule({ clients: ["key:bot"], tags: ["read"] }),
  rule({ name: "no deletes", deny: ["*_delete"] }),
];
const SERVERS = {
  jira: { tools: ["jira_*"], tags: [], clients: [], groups: [] },
  other: { tools: ["crm_*"], tags: [], clients: [], groups: [] },
};

Deno.test("describeToolAccess() lists the allowing and denying policies and the bundles", () => {
  const access = describeToolAccess({ rules: RULES, servers: SERVERS }, {
    name: "jira_delete",
    tags: ["read"],
  });
  assert.deepEqual(access, {
    everyone: false,
    policies: [
      { index: 0, name: "support", effect: "allow", clients: [], groups: ["support"] },
      { index: 1, effect: "allow", clients: ["key:bot"], groups: [] },
      { index: 2, name: "no deletes", effect: "deny", clients: [], groups: [] },
    ],
    servers: ["jira"],
  });
});

Deno.test("describeToolAccess() says everyone without policies; Policy.describe() agrees", () => {
  const tool = { name: "crm_find" };
  assert.deepEqual(describeToolAccess({}, tool), { everyone: true, policies: [], servers: [] });
  const policy = createPolicy({ rules: RULES, servers: SERVERS });
  assert.deepEqual(policy.describe(tool), { everyone: false, policies: [], servers: ["other"] });
});
