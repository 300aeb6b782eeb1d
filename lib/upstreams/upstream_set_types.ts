/** The upstream set's options, its interface and one upstream's report (types only). */

import type { OutboundAuth } from "../credentials/mod.ts";
import type { Logger } from "../log.ts";
import type { JsonObject } from "../registry/mod.ts";
import type { McpCallRelay, ToolDefinition } from "../registry/types.ts";
import type { ToolPinRepo } from "../store/mod.ts";
import type { BreakerOutcome, BreakerSnapshot } from "./breaker.ts";
import type { UpstreamCatalog } from "./catalog.ts";
import type { ConnectUpstream } from "./connect.ts";
import type { UpstreamState } from "./connection.ts";
import type { UpstreamEntry } from "./federation.ts";
import type { ParkedPeers } from "./parked_remote.ts";
import type { TaskStatusMethod } from "./relay.ts";
import type { UpstreamSubscriptions } from "./resource_subscriptions.ts";
import type { ResolveCredential } from "./stdio_env.ts";
import type { Client } from "./stdio_supervisor.ts";

/** Options of `createUpstreamSet`. */
export interface UpstreamSetOptions {
  /** Receives connection and listing warnings, each with the upstream's name. */
  logger: Logger;
  /** Resolves a vault credential for an HTTP upstream's `auth`. */
  resolveAuth?: (name: string) => Promise<OutboundAuth>;
  /** Resolves the `${credential:NAME}` references of stdio `env` values, at each child start. */
  resolveCredential?: ResolveCredential;
  /** Called after any upstream's federated tools changed. */
  onChange?: () => void;
  /** Called after any upstream's federated prompts, or resources and templates, changed. */
  onCatalogChange?: (changed: { prompts: boolean; resources: boolean }) => void;
  /** Called when an upstream announces an update of a resource the gateway subscribed to. */
  onResourceUpdated?: (upstream: string, uri: string) => void;
  /**
   * Called when an upstream sends a task status notification (2025-11-25
   * `notifications/tasks/status`, or the tasks extension's `notifications/tasks`), with the
   * upstream's own task id in `params`.
   */
  onTaskStatus?: (
    upstream: string,
    params: Record<string, unknown>,
    method: TaskStatusMethod,
  ) => void;
  /** Replaces the built-in connections (HTTP, and supervised stdio children). */
  connect?: ConnectUpstream;
  /**
   * How often upstreams whose listing failed, or with tools withheld by pinning, are listed again
   * (and lost resource subscriptions renewed); default 30 000 ms, 0 never.
   */
  retryMs?: number;
  /** The circuit breakers' clock in epoch ms; default `Date.now`. */
  now?: () => number;
  /** The approved tool definitions; absent: nothing is pinned (every `pin` mode acts as `off`). */
  pins?: ToolPinRepo;
  /**
   * Leaves `start: lazy` upstreams uncontacted at `sync` until `wake()` (the gateway wakes them at
   * its first MCP request); default false: `sync` lists every upstream.
   */
  deferLazy?: boolean;
  /** The other gateway instances, for parked calls whose retry lands elsewhere (Redis). */
  parked?: ParkedPeers;
}

/** One upstream as `nexus upstreams list` shows it. */
export interface UpstreamReport {
  /** The upstream's name. */
  name: string;
  /** The MCP endpoint of an HTTP upstream. */
  url?: string;
  /** The connection's state. */
  state: UpstreamState;
  /** Tools federated from it now (after allow/deny); 0 while it is unreachable. */
  tools: number;
  /** Its circuit breaker: state and consecutive failed calls. */
  breaker: BreakerSnapshot;
  /** Tools withheld by pinning (changed since approval, or not approved yet). */
  withheld: number;
  /** When it is contacted: at gateway start (`boot`) or at first use (`lazy`). */
  start: "lazy" | "boot";
  /** Whether it runs one child per caller; their count is `state.children`. */
  perClient: boolean;
}

/** The live upstreams. */
export interface UpstreamSet {
  /** Opens entries that are new or changed, closes those gone; lists the new ones. */
  sync(entries: readonly UpstreamEntry[]): Promise<void>;
  /**
   * Lists the tools (and catalog) of every upstream again, or of upstream `name` only (each within
   * its own timeout); an upstream not contacted yet (`start: lazy`) is left for `wake()`.
   */
  refresh(name?: string): Promise<void>;
  /**
   * Lists the lazy upstreams `sync` left uncontacted (`deferLazy`); from then on `sync` lists new
   * ones at once. Resolves when they are listed; later calls return the same promise.
   */
  wake(): Promise<void>;
  /** Whether `wake()` was called (always true without `deferLazy`). */
  awake(): boolean;
  /** Each upstream's federated tools, in entry order. */
  lists(): Array<{ upstream: string; tools: readonly ToolDefinition[] }>;
  /** The upstream's tools as last listed (after allow/deny, before pinning), raw. */
  definitions(name: string): readonly JsonObject[] | undefined;
  /** Each upstream's federated prompts, resources and templates, in entry order. */
  catalogs(): UpstreamCatalog[];
  /** The smallest `tools/list` TTL an upstream sent (2026-07-28); undefined when none sent one. */
  toolsTtlMs(): number | undefined;
  /**
   * The connected client of upstream `name`, for prompts, resources and completions.
   * @throws GatewayError UPSTREAM_UNAVAILABLE when it is not in the set or cannot connect.
   */
  client(name: string): Promise<Client>;
  /** The upstream's call timeout in ms (30 000 when it is not in the set). */
  timeoutMs(name: string): number;
  /**
   * The relay of upstream `name` (progress, logs and input requests routed to the calling client),
   * for prompts and resource reads as for tools; undefined when it is not in the set.
   */
  relay(name: string): McpCallRelay | undefined;
  /**
   * Admits one request to upstream `name` through its breaker and `maxConcurrent` gate, as for a
   * tool call; the returned function ends it with its outcome.
   * @throws GatewayError UPSTREAM_UNAVAILABLE (unknown upstream, circuit open, queue full) or
   *   CANCELLED.
   */
  admit(name: string, signal?: AbortSignal): Promise<(outcome: BreakerOutcome) => void>;
  /** The gateway's shared resource subscriptions at upstream `name`; undefined when unknown. */
  subscriptions(name: string): UpstreamSubscriptions | undefined;
  /** State and tool count of every upstream. */
  reports(): UpstreamReport[];
  /** Closes every connection and stops retrying; never rejects. */
  close(): Promise<void>;
}
