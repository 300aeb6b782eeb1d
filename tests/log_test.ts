import assert from "node:assert/strict";
import { createLogger } from "../lib/log.ts";
import { Secret } from "../lib/secret.ts";

Deno.test("createLogger() writes one JSON line per record at or above its level", () => {
  const lines: string[] = [];
  const logger = createLogger({ level: "info", sink: (line) => lines.push(line) });
  logger.debug("hidden");
  logger.info("shown", { tool: "x" });
  assert.equal(lines.length, 1);
  const record = JSON.parse(lines[0] ?? "{}");
  assert.equal(record.msg, "shown");
  assert.equal(record.tool, "x");
  assert.equal(record.level, "info");
});

Deno.test("createLogger() redacts Secret values and credential-named fields", () => {
  const lines: string[] = [];
  const logger = createLogger({ sink: (line) => lines.push(line) });
  logger.info("call", {
    key: new Secret("sk-live-123"),
    authorization: "Bearer abc",
    api_key: "k-999",
  });
  const line = lines[0] ?? "";
  assert.ok(!line.includes("sk-live-123"));
  assert.ok(!line.includes("Bearer abc"));
  assert.ok(!line.includes("k-999"));
  assert.match(line, /\[redacted\]/);
});

Deno.test("createLogger() flattens an error and its cause to messages", () => {
  const lines: string[] = [];
  const logger = createLogger({ sink: (line) => lines.push(line) }).child({ component: "t" });
  logger.error("failed", { error: new Error("outer", { cause: new Error("inner") }) });
  const record = JSON.parse(lines[0] ?? "{}");
  assert.equal(record.component, "t");
  assert.equal(record.error.message, "outer");
  assert.equal(record.error.cause.message, "inner");
});

Deno.test("createLogger() escapes C1 controls so a logged name cannot drive a terminal", () => {
  const lines: string[] = [];
  const logger = createLogger({ sink: (line) => lines.push(line) });
  logger.warn("Rejected", { tool: "x\u009b2J\u001b[31m" });
  assert.equal(lines.length, 1);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(lines[0]!, /[\u0000-\u001f\u007f-\u009f]/);
  assert.equal(JSON.parse(lines[0]!).tool, "x\u009b2J\u001b[31m");
});

Deno.test("createLogger() masks camelCase secret fields but keeps a credential's name", () => {
  const lines: string[] = [];
  const logger = createLogger({ sink: (line) => lines.push(line) });
  logger.info("Refreshed", { clientSecret: "s3cr3t", accessToken: "t0k3n", credential: "jira" });
  const record = JSON.parse(lines[0] ?? "{}");
  assert.equal(record.clientSecret, "[redacted]");
  assert.equal(record.accessToken, "[redacted]");
  assert.equal(record.credential, "jira");
});
