/**
 * The `requestState` the gateway gives a 2026-07-28 client for a federated call that needs its
 * input, and reads back from the client's retry.
 *
 * Why not sealed: it holds nothing the client may not see. An `upstream` state is the upstream's
 * own `requestState`, which the upstream would have given a direct client and must verify itself
 * (the spec makes it attacker-controlled input); a `parked` state is a random id whose call is
 * bound, on the instance holding it, to the principal and the tool, so a forged or replayed id
 * finds nothing. With Redis it also names that instance (a random id per process), so a retry
 * landing elsewhere is forwarded there (`lib/gateway/parked_peers.ts`); a forged instance reaches an
 * instance that checks principal and tool like any other, or nobody ("lost with its instance").
 */

import { GatewayError } from "../errors.ts";

const PREFIX = "nexus.relay.1.";

/** What a relayed `requestState` carries. */
export type RelayState =
  | { kind: "upstream"; tool: string; state?: string }
  | { kind: "parked"; tool: string; id: string; instance?: string };

// Why a shape check: the instance names a Redis channel; only ids the gateway mints are let through.
const INSTANCE = /^[0-9a-f-]{36}$/;

/** Encodes `state` for the client; raises nothing. */
export function writeRelayState(state: RelayState): string {
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return PREFIX + btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Decodes a client's `requestState` for a retry of upstream tool `tool`.
 * @throws GatewayError INVALID_PARAMS when the gateway did not issue it for this tool.
 */
export function readRelayState(raw: string, tool: string): RelayState {
  const state = decode(raw);
  if (state === undefined || state.tool !== tool) {
    throw new GatewayError(
      "INVALID_PARAMS",
      "Invalid params: requestState was not issued by this gateway for this tool",
    );
  }
  return state;
}

function decode(raw: string): RelayState | undefined {
  if (!raw.startsWith(PREFIX) || raw.length > 65_536) return undefined;
  try {
    const base64 = raw.slice(PREFIX.length).replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64);
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (typeof value.tool !== "string") return undefined;
    if (
      value.kind === "upstream" && (value.state === undefined || typeof value.state === "string")
    ) {
      return value.state === undefined
        ? { kind: "upstream", tool: value.tool }
        : { kind: "upstream", tool: value.tool, state: value.state };
    }
    if (value.kind === "parked" && typeof value.id === "string") {
      const parked = { kind: "parked" as const, tool: value.tool, id: value.id };
      if (value.instance === undefined) return parked;
      return typeof value.instance === "string" && INSTANCE.test(value.instance)
        ? { ...parked, instance: value.instance }
        : undefined;
    }
  } catch {
    // Why: anything undecodable is simply not ours; the caller reports it.
  }
  return undefined;
}
