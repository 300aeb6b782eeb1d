/**
 * The live set of upstreams: one connection per entry, opened on `sync` and closed when the entry
 * goes or changes, and each upstream's federated tools as last listed. A listing that fails leaves
 * that upstream's tools out (with a warning) and never holds up the others or `tools/list`;
 * failed upstreams are listed again every `retryMs`.
 */

import type { OutboundAuth } from "../credentials/mod.ts";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { JsonObject } from "../registry/mod.ts";
import type { McpBackendSpec, ToolDefinition } from "../registry/types.ts";
import type { ToolPinRepo } from "../store/mod.ts";
import type { StdioTransport, UpstreamSpec } from "../upstream_spec/mod.ts";
import type { Client } from "./stdio_supervisor.ts";
import type { UpstreamConnection, UpstreamState } from "./connection.ts";
import { type Admission, createAdmission } from "./admission.ts";
import type { BreakerOutcome, BreakerSnapshot } from "./breaker.ts";
import { federateTools, isAllowed, type UpstreamEntry } from "./federation.ts";
import type { ListHint, UpstreamCatalog } from "./catalog.ts";
import { catalogChanges, emptyCatalog, hintOf, listUpstreamCatalog } from "./catalog_listing.ts";
import {
  createUpstreamSubscriptions,
  type UpstreamSubscriptions,
} from "./resource_subscriptions.ts";
import type { UpstreamNotices } from "./upstream_client.ts";
import { createHttpConnection } from "./http_connection.ts";
import { applyPins } from "./pinning.ts";
import { createPerClientConnection } from "./per_client.ts";
import { recoveringClient } from "./recovery.ts";
import { prepareStdioEnv, type ResolveCredential } from "./stdio_env.ts";
import { superviseStdio } from "./stdio_supervisor.ts";
import { createUpstreamRelay, type UpstreamRelay } from "./relay.ts";

/** Opens the connection of one upstream (the stdio supervisor plugs in here). */
export type ConnectUpstream = (
  spec: UpstreamSpec,
  hooks: { onToolsChanged: () => void } & UpstreamNotices,
) => UpstreamConnection;

/** Options of {@linkcode createUpstreamSet}. */
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
  /** Lists the tools of every upstream again (each within its own timeout). */
  refresh(): Promise<void>;
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

interface Member {
  entry: UpstreamEntry;
  key: string;
  connection: UpstreamConnection;
  tools: readonly ToolDefinition[];
  listed: boolean;
  admission: Admission;
  /** The allowed tools as last listed, raw. */
  raw: readonly JsonObject[];
  withheld: number;
  /** Pinning warnings already logged. */
  logged: Set<string>;
  /** Upstream names of the served tools marked `readOnlyHint: true`: retried once on a loss. */
  readOnly: Set<string>;
  /** A lazy upstream not contacted yet (until `wake()`). */
  dormant: boolean;
  /** The `client` hook of its federated tools: recovers a lost session once for read-only tools. */
  client: McpBackendSpec["client"];
  /** Prompts, resources and templates as last listed. */
  catalog: UpstreamCatalog;
  /** Whether the last catalog listing succeeded. */
  catalogListed: boolean;
  /** The cache hint of the last `tools/list`, when the upstream sent one. */
  toolsHint?: ListHint;
  /** The gateway's resource subscriptions at this upstream. */
  subscriptions: UpstreamSubscriptions;
  /** Relays notifications and input requests of its calls to their clients. */
  relay: UpstreamRelay;
}

/** Creates an empty set; `sync` fills it. Raises nothing. */
export function createUpstreamSet(options: UpstreamSetOptions): UpstreamSet {
  const logger = options.logger;
  const members = new Map<string, Member>();
  const connect = options.connect ?? defaultConnect(options);
  const retryMs = options.retryMs ?? 30_000;
  let waking: Promise<void> | undefined = options.deferLazy === true
    ? undefined
    : Promise.resolve();
  let timer: ReturnType<typeof setInterval> | undefined;
  if (retryMs > 0) {
    timer = setInterval(() => {
      // Why withheld too: an approval in the store (by any instance) is seen at the next listing.
      const failed = [...members.values()].filter((member) =>
        !member.dormant && (!member.listed || member.withheld > 0)
      );
      if (failed.length > 0) void Promise.all(failed.map(list));
      const unlisted = [...members.values()].filter((member) =>
        !member.dormant && !member.catalogListed
      );
      if (unlisted.length > 0) void Promise.all(unlisted.map((m) => listCatalogOf(m)));
      // Why here too: a subscription lost with a reconnect or a child restart is made again.
      for (const member of members.values()) {
        if (member.listed) void member.subscriptions.renew();
      }
    }, retryMs);
    Deno.unrefTimer(timer);
  }

  async function list(member: Member): Promise<void> {
    const { spec } = member.entry;
    let tools: readonly ToolDefinition[] = [];
    try {
      const listed = await listAll(member.connection, spec.timeoutMs, (hint) => {
        member.toolsHint = hint;
      });
      member.raw = listed.filter((tool): tool is JsonObject =>
        typeof tool === "object" && tool !== null &&
        typeof (tool as JsonObject).name === "string" &&
        isAllowed(spec, (tool as JsonObject).name as string)
      );
      let served = member.raw;
      member.withheld = 0;
      if (options.pins !== undefined) {
        const pinned = await applyPins(spec, member.raw, {
          repo: options.pins,
          logger,
          logged: member.logged,
        });
        served = pinned.served;
        member.withheld = pinned.withheld;
      }
      member.readOnly = new Set(
        served.filter((tool) => (tool.annotations as JsonObject | undefined)?.readOnlyHint === true)
          .map((tool) => tool.name as string),
      );
      const federated = federateTools(member.entry, served, {
        client: member.client,
        admit: (signal) => member.admission.admit(signal),
        relay: member.relay,
      });
      for (const problem of federated.problems) logger.warn(`Upstream problem: ${problem}`);
      tools = federated.tools;
      member.listed = true;
    } catch (error) {
      member.listed = false;
      logger.warn("Upstream tools left out: cannot list them", {
        upstream: spec.name,
        error: member.connection.state().lastError ?? messageOf(error),
      });
    }
    if (members.get(spec.name) !== member) return;
    const changed = JSON.stringify(member.tools.map(strip)) !== JSON.stringify(tools.map(strip));
    member.tools = tools;
    if (changed) options.onChange?.();
  }

  async function listCatalogOf(member: Member): Promise<void> {
    const listed = await listUpstreamCatalog(member.entry.spec, member.connection, logger);
    member.catalogListed = listed !== undefined;
    // Why: starts watching the list-change stream of this connection (and renews what was lost).
    if (listed !== undefined) void member.subscriptions.renew();
    if (members.get(member.entry.spec.name) !== member) return;
    const catalog = listed ?? emptyCatalog(member.entry.spec);
    const changed = catalogChanges(member.catalog, catalog);
    member.catalog = catalog;
    if (changed.prompts || changed.resources) options.onCatalogChange?.(changed);
  }

  async function listEverything(member: Member): Promise<void> {
    await list(member);
    await listCatalogOf(member);
  }

  return {
    async sync(entries) {
      const wanted = new Map(entries.map((entry) => [entry.spec.name, entry]));
      const closing: Promise<void>[] = [];
      const fresh: Member[] = [];
      for (const [name, member] of members) {
        const next = wanted.get(name);
        if (next !== undefined && JSON.stringify(next.spec) === member.key) {
          member.entry = next;
          continue;
        }
        members.delete(name);
        member.relay.close();
        closing.push(member.subscriptions.close().then(() => member.connection.close()));
      }
      for (const entry of entries) {
        if (members.has(entry.spec.name)) continue;
        const member: Member = {
          entry,
          key: JSON.stringify(entry.spec),
          connection: undefined as unknown as UpstreamConnection,
          tools: [],
          listed: false,
          admission: createAdmission(entry.spec, options.now ? { now: options.now } : {}),
          raw: [],
          withheld: 0,
          logged: new Set(),
          readOnly: new Set(),
          dormant: waking === undefined && entry.spec.start === "lazy",
          client: undefined as unknown as McpBackendSpec["client"],
          catalog: emptyCatalog(entry.spec),
          catalogListed: false,
          subscriptions: undefined as unknown as UpstreamSubscriptions,
          relay: createUpstreamRelay(entry.spec.name, { logger }),
        };
        member.connection = connect(entry.spec, {
          onToolsChanged: () => void list(member),
          onPromptsChanged: () => void listCatalogOf(member),
          onResourcesChanged: () => void listCatalogOf(member),
          onResourceUpdated: (uri) => options.onResourceUpdated?.(entry.spec.name, uri),
          onClient: (client) => member.relay.attach(client),
        });
        member.client = recoveringClient(member.connection, {
          upstream: entry.spec.name,
          readOnly: (tool) => member.readOnly.has(tool),
          logger,
        });
        member.subscriptions = createUpstreamSubscriptions(member.connection, {
          timeoutMs: entry.spec.timeoutMs,
          logger: logger.child({ upstream: entry.spec.name }),
        });
        members.set(entry.spec.name, member);
        fresh.push(member);
      }
      await Promise.all(closing);
      if (closing.length > 0) {
        options.onChange?.();
        options.onCatalogChange?.({ prompts: true, resources: true });
      }
      await Promise.all(fresh.filter((member) => !member.dormant).map(listEverything));
    },
    async refresh() {
      await Promise.all(
        [...members.values()].filter((member) => !member.dormant).map(listEverything),
      );
    },
    wake() {
      waking ??= Promise.all(
        [...members.values()].filter((member) => member.dormant).map((member) => {
          member.dormant = false;
          return listEverything(member);
        }),
      ).then(() => {});
      return waking;
    },
    awake: () => waking !== undefined,
    lists: () =>
      [...members.values()].map((member) => ({
        upstream: member.entry.spec.name,
        tools: member.tools,
      })),
    definitions: (name) => members.get(name)?.raw,
    catalogs: () => [...members.values()].map((member) => member.catalog),
    toolsTtlMs() {
      const ttls = [...members.values()].flatMap((member) =>
        member.toolsHint?.ttlMs === undefined ? [] : [member.toolsHint.ttlMs]
      );
      return ttls.length === 0 ? undefined : Math.min(...ttls);
    },
    client(name) {
      const member = members.get(name);
      if (member === undefined) {
        return Promise.reject(
          new GatewayError("UPSTREAM_UNAVAILABLE", `Upstream "${name}" is not configured`),
        );
      }
      return member.connection.client();
    },
    timeoutMs: (name) => members.get(name)?.entry.spec.timeoutMs ?? 30_000,
    admit(name, signal) {
      const member = members.get(name);
      if (member === undefined) {
        return Promise.reject(
          new GatewayError("UPSTREAM_UNAVAILABLE", `Upstream "${name}" is not configured`),
        );
      }
      return member.admission.admit(signal);
    },
    subscriptions: (name) => members.get(name)?.subscriptions,
    reports: () =>
      [...members.values()].map((member) => ({
        name: member.entry.spec.name,
        ...(member.entry.spec.transport.kind === "http"
          ? { url: member.entry.spec.transport.url }
          : {}),
        state: member.connection.state(),
        tools: member.tools.length,
        breaker: member.admission.breaker(),
        withheld: member.withheld,
        start: member.entry.spec.start,
        perClient: member.entry.spec.perClient !== undefined,
      })),
    async close() {
      clearInterval(timer);
      const all = [...members.values()];
      members.clear();
      for (const member of all) member.relay.close();
      await Promise.all(
        all.map((member) => member.subscriptions.close().then(() => member.connection.close())),
      );
    },
  };
}

/** Every page of the upstream's tools; a lost session is re-established once (listing is read-only). */
async function listAll(
  connection: UpstreamConnection,
  timeoutMs: number,
  onHint: (hint: ListHint | undefined) => void = () => {},
): Promise<unknown[]> {
  const client = await connection.client();
  try {
    return await listPages(client, timeoutMs, onHint);
  } catch (error) {
    if (connection.lost?.(client, error) === undefined) throw error;
    return await listPages(await connection.client(), timeoutMs, onHint);
  }
}

async function listPages(
  client: Client,
  timeoutMs: number,
  onHint: (hint: ListHint | undefined) => void,
): Promise<unknown[]> {
  const tools: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor }, {
      timeout: timeoutMs,
    });
    if (page === 0) onHint(hintOf(result));
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) return tools;
  }
  return tools;
}

function defaultConnect(options: UpstreamSetOptions): ConnectUpstream {
  return function connect(spec, hooks) {
    if (spec.transport.kind === "stdio") {
      return connectStdio(spec, spec.transport, { ...options, notices: hooks });
    }
    const resolveAuth = options.resolveAuth;
    const auth = spec.auth;
    return createHttpConnection(spec, {
      ...hooks,
      logger: options.logger,
      ...(auth !== undefined && resolveAuth ? { resolveAuth: () => resolveAuth(auth) } : {}),
    });
  };
}

/**
 * A supervised child, started on the first `client()` (the first listing) or, `start: boot`, at
 * once; with `perClient`, one such child per caller. Its `env` is resolved from the vault before
 * every start, so a rotated credential reaches the child at its next (re)start; the secrets it was
 * given are scrubbed from its stderr in the log.
 */
function connectStdio(
  spec: UpstreamSpec,
  transport: StdioTransport,
  options: UpstreamSetOptions & { notices: UpstreamNotices },
): UpstreamConnection {
  function supervise(logger: Logger, startAtBoot: boolean): UpstreamConnection {
    return superviseStdio({
      name: spec.name,
      command: transport.command,
      args: transport.args,
      env: transport.env,
      ...(transport.cwd === undefined ? {} : { cwd: transport.cwd }),
    }, {
      logger,
      startAtBoot,
      notices: options.notices,
      prepare: () => prepareStdioEnv(transport.env, options.resolveCredential),
    });
  }
  if (spec.perClient === undefined) return supervise(options.logger, spec.start === "boot");
  return createPerClientConnection(spec.name, spec.perClient, {
    logger: options.logger,
    start: spec.start,
    supervise: (principal, startAtBoot) =>
      supervise(options.logger.child({ principal: principal || "(listing)" }), startAtBoot),
  });
}

function strip(tool: ToolDefinition): unknown {
  const { backend: _backend, checkInput: _check, ...rest } = tool;
  return rest;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
