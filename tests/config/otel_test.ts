import assert from "node:assert/strict";
import { loadConfig } from "../../lib/config/mod.ts";
import { readOtelTracing } from "../../lib/config/otel.ts";
import { GatewayError } from "../../lib/errors.ts";

const env = (entries: Record<string, string>) => (name: string) => entries[name];

Deno.test("readOtelTracing() follows OTEL_DENO, OTEL_DENO_TRACING and OTEL_SDK_DISABLED", () => {
  const sampler = { OTEL_TRACES_SAMPLER: "parentbased_always_on" };
  assert.deepEqual(readOtelTracing(env({})), { enabled: false });
  assert.deepEqual(readOtelTracing(env({ OTEL_DENO: "true", ...sampler })), { enabled: true });
  assert.deepEqual(readOtelTracing(env({ OTEL_DENO_TRACING: "true", ...sampler })), {
    enabled: true,
  });
  assert.deepEqual(
    readOtelTracing(env({ OTEL_DENO: "true", OTEL_DENO_TRACING: "false", ...sampler })),
    { enabled: false },
  );
  assert.deepEqual(
    readOtelTracing(env({ OTEL_DENO: "true", OTEL_SDK_DISABLED: "true" })),
    { enabled: false },
  );
});

Deno.test("loadConfig() refuses OTEL_DENO traces without a parent-based sampler", () => {
  for (const sampler of [undefined, "always_on", "traceidratio"]) {
    const vars: Record<string, string> = { OTEL_DENO: "true" };
    if (sampler !== undefined) vars.OTEL_TRACES_SAMPLER = sampler;
    assert.throws(
      () => loadConfig(env(vars)),
      (error) =>
        error instanceof GatewayError && error.code === "INVALID_CONFIG" &&
        error.message.includes("OTEL_TRACES_SAMPLER: must be parentbased_always_on"),
    );
  }
  const config = loadConfig(
    env({ OTEL_DENO: "true", OTEL_TRACES_SAMPLER: "parentbased_traceidratio" }),
  );
  assert.equal(config.otelTracing, true);
  assert.equal(loadConfig(env({})).otelTracing, undefined);
});
