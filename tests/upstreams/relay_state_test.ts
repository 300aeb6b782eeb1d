import assert from "node:assert/strict";
import { isGatewayError } from "../../lib/errors.ts";
import { readRelayState, writeRelayState } from "../../lib/upstreams/relay_state.ts";

Deno.test("writeRelayState() round-trips both kinds, unicode included", () => {
  for (
    const state of [
      { kind: "upstream", tool: "confirm", state: "opaque-é-✓" },
      { kind: "upstream", tool: "confirm" },
      { kind: "parked", tool: "confirm", id: crypto.randomUUID() },
      { kind: "parked", tool: "confirm", id: crypto.randomUUID(), instance: crypto.randomUUID() },
    ] as const
  ) {
    const written = writeRelayState(state);
    assert.match(written, /^nexus\.relay\.1\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(readRelayState(written, "confirm"), state);
  }
});

Deno.test("readRelayState() refuses a state it did not issue, or issued for another tool", () => {
  const other = writeRelayState({ kind: "parked", tool: "other", id: "x" });
  // Why: the instance names a Redis channel, so only the shape the gateway mints is accepted.
  const channel = writeRelayState({ kind: "parked", tool: "confirm", id: "x", instance: "a:b" });
  for (const raw of ["", "opaque", "nexus.relay.1.!!!", "nexus.relay.1.e30", other, channel]) {
    assert.throws(() => readRelayState(raw, "confirm"), (error) => {
      assert.ok(isGatewayError(error));
      assert.equal(error.code, "INVALID_PARAMS");
      assert.match(error.message, /requestState was not issued by this gateway for this tool/);
      return true;
    });
  }
});
