/**
 * Upstream MCP servers behind the gateway: connections (Streamable HTTP, and supervised stdio
 * children: one process group per upstream, shared by every caller, restarted with capped
 * backoff, reaped on close and on gateway exit), their tools federated as gateway tools with an
 * `mcp` backend, their prompts, resources and templates federated into one routed catalog, the
 * gateway's shared resource subscriptions, and the checks on names that prefixes and renames
 * produce.
 */

/** What any upstream connection offers, who it is asked for, and its state; types only. */
export type {
  UpstreamCall,
  UpstreamConnection,
  UpstreamState,
  UpstreamStatus,
} from "./connection.ts";
/** `createPerClientConnection()` runs one stdio child per caller; raises nothing. */
export { createPerClientConnection } from "./per_client.ts";
/** What the per-client connection needs; type only. */
export type { PerClientOptions } from "./per_client.ts";
/** `recoveringClient()` retries a read-only call once after a lost session; raises what the connection raises. */
export { recoveringClient } from "./recovery.ts";
/** What recovery needs besides the connection; type only. */
export type { RecoveryOptions } from "./recovery.ts";
/** `createHttpConnection()` connects to a Streamable HTTP upstream lazily; raises INVALID_CONFIG. */
export { createHttpConnection } from "./http_connection.ts";
/** Options of `createHttpConnection`; type only. */
export type { HttpConnectionOptions } from "./http_connection.ts";
/** `createUpstreamSet()` keeps every upstream's connection and tool list current; raises nothing. */
export { createUpstreamSet } from "./upstream_set.ts";
/** The set, its options and one upstream's report; types only. */
export type { UpstreamReport, UpstreamSet, UpstreamSetOptions } from "./upstream_set_types.ts";
/** The connection factory a test may put in place of the built-in connections; type only. */
export type { ConnectUpstream } from "./connect.ts";
/** `createBreaker()` is one upstream's circuit breaker over an injected clock; raises nothing. */
export { createBreaker } from "./breaker.ts";
/** The breaker, its options, decisions, outcomes and snapshot; types only. */
export type {
  Breaker,
  BreakerDecision,
  BreakerOptions,
  BreakerOutcome,
  BreakerSnapshot,
  BreakerState,
} from "./breaker.ts";
/** `createCallGate()` bounds calls in flight with a short FIFO queue; raises nothing. */
export { createCallGate } from "../call_gate.ts";
/** The gate, its options and decisions; types only. */
export type { CallGate, CallGateOptions, GateDecision, GateRefusal } from "../call_gate.ts";
/** `federateTools()` turns one upstream's listing into gateway tools; raises nothing. */
export { federateTools } from "./federation.ts";
/** `federatedName()` gives the name a client sees for an upstream tool; raises nothing. */
export { federatedName } from "./federation.ts";
/** `matchesGlob()` matches a tool name against an allow/deny glob; raises nothing. */
export { matchesGlob } from "./federation.ts";
/** `mergeFederated()` merges file tools with upstream tools, reporting clashes; raises nothing. */
export { mergeFederated } from "./federation.ts";
/** An upstream entry with its source, and the call hooks of its tools; types only. */
export type { FederationCall, UpstreamEntry } from "./federation.ts";
/** The `upstreams:` entry shape shared by `nexus.yaml` and tool files; types only. */
export type {
  HttpTransport,
  StdioTransport,
  UpstreamBreakerSpec,
  UpstreamPerClientSpec,
  UpstreamProblem,
  UpstreamSpec,
  UpstreamToolRules,
  UpstreamTransport,
} from "../upstream_spec/mod.ts";
/** `checkUpstreams()` checks upstream entries without connecting; raises nothing. */
export { checkUpstreams } from "./check.ts";
/** `prepareStdioEnv()` resolves a stdio env's `${credential:NAME}` values; raises INVALID_CONFIG. */
export { prepareStdioEnv } from "./stdio_env.ts";
/** The resolved env with its redactor, and the vault lookup it uses; types only. */
export type { PreparedEnv, ResolveCredential } from "./stdio_env.ts";
/** `superviseStdio()` runs one stdio upstream as a supervised child; raises nothing. */
export { superviseStdio } from "./stdio_supervisor.ts";
/** What a stdio upstream is started from, the supervisor's options, the SDK client; types only. */
export type { Client, StdioUpstreamSpec, SuperviseOptions } from "./stdio_supervisor.ts";
/** The longest stderr line of a child logged whole; longer lines are cut. */
export { MAX_STDERR_LINE } from "./stderr_log.ts";
/** `applyPins()` withholds tools changed since approval (or, `manual`, never approved); raises what the pin repository raises. */
export { applyPins } from "./pinning.ts";
/** `approvePins()` pins the current definitions of an upstream's tools; raises NOT_FOUND. */
export { approvePins } from "./pinning.ts";
/** `checkPins()` compares listed tools with their pins, field by field; raises nothing. */
export { checkPins } from "./pinning.ts";
/** `formatPinChecks()` renders pin checks as `nexus upstreams diff` lines; raises nothing. */
export { formatPinChecks } from "./pinning.ts";
/** `reviewPins()` / `approveListed()`: one upstream's pins on a live set (CLI and admin API). */
export { approveListed, listedTools, reviewPins } from "./pin_review.ts";
/** `hiddenUnicode()` lists tag, bidi and zero-width characters in a text; raises nothing. */
export { hiddenUnicode } from "./pinning.ts";
/** One tool's check against its pin, and what `applyPins` takes; types only. */
export type { ApplyPinsOptions, PinCheck } from "./pinning.ts";
/** `federateCatalog()` federates one upstream's prompts, resources and templates; raises nothing. */
export { federateCatalog } from "./catalog.ts";
/** `mergeCatalogs()` merges every upstream's catalog, reporting clashes; raises nothing. */
export { mergeCatalogs } from "./catalog.ts";
/** `routeUri()` finds the upstream owning a resource URI (exact, else template); raises nothing. */
export { routeUri } from "./catalog.ts";
/** `federatedPromptName()` gives the name a client sees for an upstream prompt; raises nothing. */
export { federatedPromptName } from "./catalog.ts";
/** The merged catalog with nothing in it. */
export { EMPTY_CATALOG } from "./catalog.ts";
/** Federated prompts, resources and templates, one upstream's catalog and the merge; types only. */
export type {
  FederatedPrompt,
  FederatedResource,
  FederatedTemplate,
  ListHint,
  MergedCatalog,
  UpstreamCatalog,
} from "./catalog.ts";
/** The gateway's reference-counted resource subscriptions at one upstream; type only. */
export type { UpstreamSubscriptions } from "./resource_subscriptions.ts";
export type { TaskStatusMethod } from "./relay.ts";
/** Parked calls across instances: the link the relays use, and what travels; types only. */
export type { ParkedPeers, RemoteResume, ResumeHere } from "./parked_remote.ts";
/** The change notifications an upstream client reports; type only. */
export type { UpstreamNotices } from "./upstream_client.ts";
/**
 * The tasks extension: its id, and `capturedTask()` reading the task handle every upstream client
 * keeps (`captureTaskResults`) back out of a `tools/call` result; raises nothing.
 */
export { capturedTask, TASKS_EXTENSION } from "./tasks_capture.ts";
/** Gateway task ids routing back to an upstream's task for one principal; raise nothing. */
export { readTaskId, type TaskIdMac, type TaskRoute, writeTaskId } from "./tasks_ids.ts";
