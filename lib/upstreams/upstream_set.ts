/**
 * The live set of upstreams: one connection per entry, opened on `sync` and closed when the entry
 * goes or changes, and each upstream's federated tools as last listed. A listing that fails leaves
 * that upstream's tools out (with a warning) and never holds up the others or `tools/list`;
 * failed upstreams are listed again every `retryMs`.
 */

import type { OutboundAuth } from "../credentials/mod.ts";
import type { Logger } from "../log.ts";
import type { JsonObject } from "../registry/mod.ts";
import type { ToolDefinition } from "../registry/types.ts";
import type { ToolPinRepo } from "../store/mod.ts";
import type { StdioTransport, UpstreamSpec } from "../upstream_spec.ts";
import type { UpstreamConnection, UpstreamState } from "./connection.ts";
import { type Admission, createAdmission } from "./admission.ts";
import type { BreakerSnapshot } from "./breaker.ts";
import { federateTools, isAllowed, type UpstreamEntry } from "./federation.ts";
import { createHttpConnection } from "./http_connection.ts";
import { applyPins } from "./pinning.ts";
import { prepareStdioEnv, type ResolveCredential } from "./stdio_env.ts";
import { type Client, SdkClient, superviseStdio } from "./stdio_supervisor.ts";
import { createUpstreamRelay, type UpstreamRelay } from "./relay.ts";
import { SERVER_NAME, VERSION } from "../version.ts";

/** Opens the connection of one upstream (the stdio supervisor plugs in here). */
export type ConnectUpstream = (
  spec: UpstreamSpec,
  hooks: {
    onToolsChanged: () => void;
    /** Installs the upstream's relay on each client the connection builds, before it connects. */
    onClient?: (client: Client) => void;
  },
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
  /** Replaces the built-in connections (HTTP, and supervised stdio children). */
  connect?: ConnectUpstream;
  /**
   * How often upstreams whose listing failed, or with tools withheld by pinning, are listed again;
   * default 30 000 ms, 0 never.
   */
  retryMs?: number;
  /** The circuit breakers' clock in epoch ms; default `Date.now`. */
  now?: () => number;
  /** The approved tool definitions; absent: nothing is pinned (every `pin` mode acts as `off`). */
  pins?: ToolPinRepo;
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
}

/** The live upstreams. */
export interface UpstreamSet {
  /** Opens entries that are new or changed, closes those gone; lists the new ones. */
  sync(entries: readonly UpstreamEntry[]): Promise<void>;
  /** Lists the tools of every upstream again (each within its own timeout). */
  refresh(): Promise<void>;
  /** Each upstream's federated tools, in entry order. */
  lists(): Array<{ upstream: string; tools: readonly ToolDefinition[] }>;
  /** The upstream's tools as last listed (after allow/deny, before pinning), raw. */
  definitions(name: string): readonly JsonObject[] | undefined;
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
  /** Relays notifications and input requests of its calls to their clients. */
  relay: UpstreamRelay;
}

/** Creates an empty set; `sync` fills it. Raises nothing. */
export function createUpstreamSet(options: UpstreamSetOptions): UpstreamSet {
  const logger = options.logger;
  const members = new Map<string, Member>();
  const connect = options.connect ?? defaultConnect(options);
  const retryMs = options.retryMs ?? 30_000;
  let timer: ReturnType<typeof setInterval> | undefined;
  if (retryMs > 0) {
    timer = setInterval(() => {
      // Why withheld too: an approval in the store (by any instance) is seen at the next listing.
      const failed = [...members.values()].filter((member) =>
        !member.listed || member.withheld > 0
      );
      if (failed.length > 0) void Promise.all(failed.map(list));
    }, retryMs);
    Deno.unrefTimer(timer);
  }

  async function list(member: Member): Promise<void> {
    const { spec } = member.entry;
    let tools: readonly ToolDefinition[] = [];
    try {
      const listed = await listAll(member.connection, spec.timeoutMs);
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
      const federated = federateTools(member.entry, served, {
        client: () => member.connection.client(),
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
        closing.push(member.connection.close());
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
          relay: createUpstreamRelay(entry.spec.name, { logger }),
        };
        member.connection = connect(entry.spec, {
          onToolsChanged: () => void list(member),
          onClient: (client) => member.relay.attach(client),
        });
        members.set(entry.spec.name, member);
        fresh.push(member);
      }
      await Promise.all(closing);
      if (closing.length > 0) options.onChange?.();
      await Promise.all(fresh.map(list));
    },
    async refresh() {
      await Promise.all([...members.values()].map(list));
    },
    lists: () =>
      [...members.values()].map((member) => ({
        upstream: member.entry.spec.name,
        tools: member.tools,
      })),
    definitions: (name) => members.get(name)?.raw,
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
      })),
    async close() {
      clearInterval(timer);
      const all = [...members.values()];
      members.clear();
      for (const member of all) member.relay.close();
      await Promise.all(all.map((member) => member.connection.close()));
    },
  };
}

async function listAll(connection: UpstreamConnection, timeoutMs: number): Promise<unknown[]> {
  const client = await connection.client();
  const tools: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor }, {
      timeout: timeoutMs,
    });
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) return tools;
  }
  return tools;
}

function defaultConnect(options: UpstreamSetOptions): ConnectUpstream {
  return function connect(spec, hooks) {
    if (spec.transport.kind === "stdio") {
      return connectStdio(spec, spec.transport, { ...options, onClient: hooks.onClient });
    }
    const resolveAuth = options.resolveAuth;
    const auth = spec.auth;
    return createHttpConnection(spec, {
      logger: options.logger,
      onToolsChanged: hooks.onToolsChanged,
      ...(hooks.onClient === undefined ? {} : { onClient: hooks.onClient }),
      ...(auth !== undefined && resolveAuth ? { resolveAuth: () => resolveAuth(auth) } : {}),
    });
  };
}

/**
 * A supervised child, started lazily on the first `client()` (the first listing, at sync). Its
 * `env` is resolved from the vault before every start, so a rotated credential reaches the child
 * at its next (re)start; the secrets it was given are scrubbed from its stderr in the log.
 */
function connectStdio(
  spec: UpstreamSpec,
  transport: StdioTransport,
  options: UpstreamSetOptions & { onClient?: ((client: Client) => void) | undefined },
): UpstreamConnection {
  const onClient = options.onClient;
  return superviseStdio({
    name: spec.name,
    command: transport.command,
    args: transport.args,
    env: transport.env,
    ...(transport.cwd === undefined ? {} : { cwd: transport.cwd }),
  }, {
    logger: options.logger,
    prepare: () => prepareStdioEnv(transport.env, options.resolveCredential),
    ...(onClient === undefined ? {} : {
      createClient() {
        const client = new SdkClient({ name: SERVER_NAME, version: VERSION }, {
          versionNegotiation: { mode: "auto" },
        });
        onClient(client);
        return client;
      },
    }),
  });
}

function strip(tool: ToolDefinition): unknown {
  const { backend: _backend, checkInput: _check, ...rest } = tool;
  return rest;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
