/**
 * Safe defaults of the real gateway: anonymous on loopback (today's behaviour), refusal to start
 * anonymously on a public address unless explicitly overridden, and then a loud warning.
 */

import assert from "node:assert/strict";
import { createGatewayToolsDir, startGateway } from "../_support/gateway.ts";

Deno.test("a public address without authentication refuses to start", async () => {
  await using tools = await createGatewayToolsDir();
  await assert.rejects(
    startGateway({ toolsDir: tools.dir, env: { NEXUS_HOST: "0.0.0.0" } }),
    /Refusing to serve without authentication on 0\.0\.0\.0/,
  );
});

Deno.test("NEXUS_ALLOW_ANONYMOUS=true starts on a public address with a loud warning", async () => {
  await using tools = await createGatewayToolsDir();
  await using gateway = await startGateway({
    toolsDir: tools.dir,
    env: { NEXUS_HOST: "0.0.0.0", NEXUS_ALLOW_ANONYMOUS: "true" },
  });
  const warning = gateway.stderrLines().map((line) => JSON.parse(line)).find((record) =>
    String(record.msg).startsWith("SERVING ANONYMOUSLY ON A NON-LOOPBACK ADDRESS")
  );
  assert.equal(warning?.level, "warn");
});
