/**
 * The one assembly of Nexus: `createGateway(config)` opens every part from its config slice and
 * serves HTTP (`fetch`) and stdio (`serveStdio`) over the same pipeline parts. See README.md here
 * for the map of `lib/` and the path of one `tools/call`.
 */

/**
 * `createGateway()`: opens the store, vault, security, registry, limits and cache and metrics;
 * raises INVALID_CONFIG when a part cannot open (what opened is closed again).
 */
export {
  createGateway,
  type Gateway,
  type GatewayListener,
  type GatewayOptions,
} from "./gateway.ts";
/**
 * `openVault()`: the credential vault on a store (opened here when none is passed), for commands
 * that need only the vault; raises INVALID_CONFIG for unusable key material or store.
 */
export { type OpenVault, openVault } from "./vault.ts";
/** `registryEnv()`: what tool files may read from the environment (`nexus check`); raises nothing. */
export { type OpenRegistry, type RegistryEnv, registryEnv } from "./registry.ts";
/**
 * `readCredentialView()`: the vault's credential names and settings for `nexus check` and `tools
 * list` (tools whose credential is missing are disabled); raises nothing (gives the reason).
 */
export { readCredentialView } from "./registry.ts";
/**
 * `federateRegistry()`: file tools plus every reachable upstream's tools, kept current; raises
 * nothing (an unreachable upstream is left out with a warning). `configEntries()` gives the
 * upstreams of `nexus.yaml` with their source; raises nothing.
 */
export {
  configEntries,
  type FederatedRegistry,
  federateRegistry,
  type FederationOptions,
} from "./upstreams.ts";
/**
 * `announceOnce()`: publishes one change on the instances' fan-out channel from a command
 * (`nexus upstreams approve`); raises nothing (false when not published).
 */
export { announceOnce, type FanoutEvent } from "./fanout.ts";
