import assert from "node:assert/strict";
import { createEgressPolicy, type EgressRules, parseIp } from "../../lib/egress/mod.ts";

function allowed(rules: EgressRules, host: string, address = host): boolean {
  return createEgressPolicy(rules).judge(host, parseIp(address)!).allowed;
}

const defaults: EgressRules = { allow: [], private: "allow" };
const deny: EgressRules = { allow: [], private: "deny" };

Deno.test("judge() refuses link-local and cloud metadata addresses by default", () => {
  for (
    const ip of [
      "169.254.169.254",
      "0xa9fea9fe",
      "::ffff:169.254.169.254",
      "fe80::1",
      "fd00:ec2::254",
      "100.100.100.200",
      "224.0.0.1",
    ]
  ) assert.equal(allowed(defaults, ip), false, ip);
  const verdict = createEgressPolicy(defaults).judge("metadata", parseIp("169.254.169.254")!);
  assert.equal(verdict.allowed, false);
  if (!verdict.allowed) {
    assert.match(verdict.reason, /^Egress denied: metadata \(169\.254\.169\.254\) is a link-local/);
  }
});

Deno.test("judge() allows loopback, private and public addresses by default", () => {
  for (const ip of ["127.0.0.1", "0x7f000001", "::1", "10.1.2.3", "192.168.0.1", "8.8.8.8"]) {
    assert.equal(allowed(defaults, ip), true, ip);
  }
});

Deno.test("judge() under private: deny refuses loopback and private ranges, not public", () => {
  for (
    const ip of ["127.0.0.1", "2130706433", "0177.0.0.1", "127.1", "::1", "::ffff:127.0.0.1"]
  ) assert.equal(allowed(deny, ip), false, ip);
  for (const ip of ["10.0.0.1", "172.16.5.4", "192.168.1.1", "fd12::1", "0.0.0.0", "100.64.0.1"]) {
    assert.equal(allowed(deny, ip), false, ip);
  }
  assert.equal(allowed(deny, "localhost", "127.0.0.1"), false);
  assert.equal(allowed(deny, "8.8.8.8"), true);
  assert.equal(allowed(deny, "2001:4860::8888"), true);
});

Deno.test("judge() lets NEXUS_EGRESS_ALLOW hosts and CIDRs through, and only them", () => {
  const rules: EgressRules = {
    allow: ["169.254.169.254/32", "10.0.0.0/8", "localhost", "*.corp.example", "fd00:ec2::254"],
    private: "deny",
  };
  assert.equal(allowed(rules, "169.254.169.254"), true);
  assert.equal(allowed(rules, "169.254.169.253"), false);
  assert.equal(allowed(rules, "10.9.9.9"), true);
  assert.equal(allowed(rules, "::ffff:10.9.9.9"), true);
  assert.equal(allowed(rules, "11.0.0.1"), true);
  assert.equal(allowed(rules, "192.168.0.1"), false);
  assert.equal(allowed(rules, "localhost", "127.0.0.1"), true);
  assert.equal(allowed(rules, "LOCALHOST.", "127.0.0.1"), true);
  assert.equal(allowed(rules, "api.corp.example", "192.168.0.9"), true);
  assert.equal(allowed(rules, "corp.example.evil", "192.168.0.9"), false);
  assert.equal(allowed(rules, "fd00:ec2::254"), true);
});

Deno.test("createEgressPolicy() rejects an allow entry that is neither host nor CIDR", () => {
  assert.throws(
    () => createEgressPolicy({ allow: ["10.0.0.0/99"], private: "allow" }),
    /Invalid egress allow entry "10\.0\.0\.0\/99": not a valid CIDR/,
  );
  assert.throws(() => createEgressPolicy({ allow: ["http://x/"], private: "allow" }));
});
