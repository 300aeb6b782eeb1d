/**
 * The live set of upstreams: one connection per entry, opened on `sync` and closed when the entry
 * goes or changes, and each upstream's federated tools as last listed. A listing that fails leaves
 * that upstream's tools out (with a warning) and never holds up the others or `tools/list`;
 * failed upstreams are listed again every `retryMs`.
 */

import { GatewayError } from "../errors.ts";
import type { JsonObject } from "../registry/mod.ts";
import type { McpBackendSpec, ToolDefinition } from "../registry/types.ts";
import type { UpstreamConnection } from "./connection.ts";
import { type Admission, createAdmission } from "./admission.ts";
import { federateTools, isAllowed, type UpstreamEntry } from "./federation.ts";
import type { ListHint, UpstreamCatalog } from "./catalog.ts";
import { catalogChanges, emptyCatalog, listUpstreamCatalog } from "./catalog_listing.ts";
import {
  createUpstreamSubscriptions,
  type UpstreamSubscriptions,
} from "./resource_subscriptions.ts";
import { applyPins } from "./pinning.ts";
import { recoveringClient } from "./recovery.ts";
import { defaultConnect } from "./connect.ts";
import type { UpstreamSet, UpstreamSetOptions } from "./upstream_set_types.ts";
import { listAll } from "./tool_listing.ts";
import { createUpstreamRelay, type UpstreamRelay } from "./relay.ts";

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
          relay: createUpstreamRelay(entry.spec.name, {
            logger,
            onTaskStatus: (params, method) =>
              options.onTaskStatus?.(entry.spec.name, params, method),
            ...(options.parked ? { parked: options.parked } : {}),
          }),
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
    async refresh(name) {
      await Promise.all(
        [...members.values()].filter((member) =>
          !member.dormant && (name === undefined || member.entry.spec.name === name)
        ).map(listEverything),
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
    relay: (name) => members.get(name)?.relay,
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

function strip(tool: ToolDefinition): unknown {
  const { backend: _backend, checkInput: _check, ...rest } = tool;
  return rest;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
