/**
 * `readUpstreamSpecs()`: the one validator of `upstreams:` entries (config and tool files).
 */

import assert from "node:assert/strict";
import { readUpstreamSpecs } from "../../lib/upstream_spec/mod.ts";

Deno.test("readUpstreamSpecs() fills the defaults: prefix = name, separator _, 30 s, pin tofu, lazy", () => {
  const { specs, problems } = readUpstreamSpecs([{ name: "gh", url: "https://mcp.example.com/" }]);
  assert.deepEqual(problems, []);
  assert.deepEqual(specs, [{
    name: "gh",
    transport: { kind: "http", url: "https://mcp.example.com/" },
    prefix: "gh",
    separator: "_",
    tools: { allow: [], deny: [], rename: {}, describe: {} },
    timeoutMs: 30_000,
    pin: "tofu",
    start: "lazy",
  }]);
});

Deno.test("readUpstreamSpecs() accepts a stdio upstream with a credential in env", () => {
  const { specs, problems } = readUpstreamSpecs([{
    name: "local",
    stdio: { command: "npx", args: ["server"], env: { TOKEN: "${credential:gh-token}" } },
    prefix: "",
    timeout: "10s",
    maxConcurrent: 4,
    pin: "manual",
    cache: { ttl: "1m" },
  }]);
  assert.deepEqual(problems, []);
  assert.deepEqual(specs[0]?.transport, {
    kind: "stdio",
    command: "npx",
    args: ["server"],
    env: { TOKEN: "${credential:gh-token}" },
  });
  assert.equal(specs[0]?.prefix, "");
  assert.equal(specs[0]?.timeoutMs, 10_000);
  assert.equal(specs[0]?.cacheTtlMs, 60_000);
});

Deno.test("readUpstreamSpecs() reports every problem with the path of its key", () => {
  const { specs, problems } = readUpstreamSpecs([
    { name: "Bad Name", url: "ftp://x", pin: "always", extra: 1 },
    { name: "both", url: "https://a.example", stdio: { command: "x" } },
    {
      name: "argv",
      stdio: {
        command: "x",
        args: ["--token=${credential:tok}"],
        env: { A: "${credential:Bad!}" },
      },
    },
    { name: "tools", url: "https://a.example", tools: { allow: "x", rename: { a: "b c" } } },
    { name: "dup", url: "https://a.example" },
    { name: "dup", url: "https://b.example", timeout: "10m" },
    { name: "dup", url: "https://b.example" },
  ]);
  assert.deepEqual(specs.map((spec) => spec.name), ["dup"]);
  assert.deepEqual(problems, [
    { path: [0, "extra"], message: 'unknown key "extra"' },
    { path: [0, "name"], message: "name must be 1-64 of a-z 0-9 _ -" },
    { path: [0, "url"], message: "url must be an absolute http or https URL" },
    {
      path: [0, "prefix"],
      message: 'prefix must be at most 64 of A-Z a-z 0-9 _ . - ("" for none)',
    },
    { path: [0, "pin"], message: "pin must be one of tofu, manual, off" },
    { path: [1], message: 'an upstream needs exactly one of "url" or "stdio"' },
    {
      path: [2, "stdio", "args", 0],
      message: "credential references are allowed in stdio.env values only, never on argv",
    },
    {
      path: [2, "stdio", "env", "A"],
      message: '"${credential:Bad!}" does not name a valid credential',
    },
    { path: [3, "tools", "allow"], message: "allow must be a list of name globs" },
    {
      path: [3, "tools", "rename", "a"],
      message: 'rename target "b c" must be 1-64 of A-Z a-z 0-9 _ . -',
    },
    { path: [5, "timeout"], message: 'timeout must be a duration such as "10s", at most 5m' },
    { path: [6, "name"], message: 'duplicate upstream name "dup"' },
  ]);
});

Deno.test("readUpstreamSpecs() reads breaker, queue and queueTimeout, filling breaker defaults", () => {
  const { specs, problems } = readUpstreamSpecs([
    {
      name: "gh",
      url: "https://mcp.example.com/",
      maxConcurrent: 4,
      queue: 3,
      queueTimeout: "500ms",
      breaker: { failures: 2 },
    },
    { name: "gl", url: "https://mcp.example.com/", breaker: { resetAfter: "1m" } },
  ]);
  assert.deepEqual(problems, []);
  assert.equal(specs[0]?.queue, 3);
  assert.equal(specs[0]?.queueTimeoutMs, 500);
  assert.deepEqual(specs[0]?.breaker, { failures: 2, resetAfterMs: 30_000 });
  assert.deepEqual(specs[1]?.breaker, { failures: 5, resetAfterMs: 60_000 });
});

Deno.test("readUpstreamSpecs() reports bad breaker and queue settings", () => {
  const { specs, problems } = readUpstreamSpecs([
    { name: "a", url: "https://x.example/", queue: 2 },
    { name: "b", url: "https://x.example/", maxConcurrent: 1, queue: -1, queueTimeout: "soon" },
    { name: "c", url: "https://x.example/", breaker: { failures: 0, resetAfter: "1y", x: 1 } },
    { name: "d", url: "https://x.example/", breaker: { failures: 0, resetAfter: "1y" } },
  ]);
  assert.deepEqual(specs, []);
  assert.deepEqual(problems.map((problem) => problem.path.join(".")), [
    "0.queue",
    "1.queue",
    "1.queueTimeout",
    "2.breaker",
    "3.breaker.failures",
    "3.breaker.resetAfter",
  ]);
});

Deno.test("readUpstreamSpecs() reads start and perClient, filling perClient defaults", () => {
  const { specs, problems } = readUpstreamSpecs([
    { name: "a", stdio: { command: "x" }, start: "boot", perClient: true },
    { name: "b", stdio: { command: "x" }, perClient: { idleTimeout: "30s", maxChildren: 3 } },
    { name: "c", stdio: { command: "x" }, perClient: false },
  ]);
  assert.deepEqual(problems, []);
  assert.equal(specs[0]?.start, "boot");
  assert.deepEqual(specs[0]?.perClient, { idleTimeoutMs: 300_000, maxChildren: 32 });
  assert.equal(specs[1]?.start, "lazy");
  assert.deepEqual(specs[1]?.perClient, { idleTimeoutMs: 30_000, maxChildren: 3 });
  assert.equal(specs[2]?.perClient, undefined);
});

Deno.test("readUpstreamSpecs() reports bad start and perClient settings", () => {
  const { specs, problems } = readUpstreamSpecs([
    { name: "a", stdio: { command: "x" }, start: "eager" },
    { name: "b", url: "https://a.example", perClient: true },
    { name: "c", stdio: { command: "x" }, perClient: { idle: "1m", maxChildren: 0 } },
    { name: "d", stdio: { command: "x" }, perClient: { idleTimeout: "2d" } },
    { name: "e", stdio: { command: "x" }, perClient: "yes" },
  ]);
  assert.deepEqual(specs, []);
  assert.deepEqual(problems, [
    { path: [0, "start"], message: "start must be one of lazy, boot" },
    { path: [1, "perClient"], message: "perClient is for stdio upstreams only" },
    { path: [2, "perClient", "idle"], message: 'unknown key "idle"' },
    {
      path: [2, "perClient", "maxChildren"],
      message: "perClient.maxChildren must be an integer from 1 to 1000",
    },
    {
      path: [3, "perClient", "idleTimeout"],
      message: 'perClient.idleTimeout must be a duration such as "10s", at most 24h',
    },
    {
      path: [4, "perClient"],
      message: "perClient must be true, false or a mapping (idleTimeout, maxChildren)",
    },
  ]);
});
