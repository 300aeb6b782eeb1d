/**
 * `perClient: true` stdio upstreams, for servers that keep per-user state: one supervised child
 * per caller (principal id), started on the caller's first call, stopped after `idleTimeout`
 * without a call in flight, at most `maxChildren` at once. The gateway's own listings (no
 * principal) use a separate listing child, so no caller's state shapes the tool list another
 * caller sees; it is stopped when idle like the others, unless the upstream starts at boot.
 */

import type { Client } from "@modelcontextprotocol/client";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { UpstreamPerClientSpec } from "../upstream_spec/mod.ts";
import type {
  UpstreamCall,
  UpstreamConnection,
  UpstreamState,
  UpstreamStatus,
} from "./connection.ts";

/** What {@linkcode createPerClientConnection} needs besides the upstream's name and settings. */
export interface PerClientOptions {
  /** Receives child start and idle-stop records, with the upstream's name. */
  logger: Logger;
  /**
   * Supervises one child: `principal` is the caller's id, or `""` for the listing child;
   * `startAtBoot` starts it at once.
   */
  supervise: (principal: string, startAtBoot: boolean) => UpstreamConnection;
  /** `boot`: the listing child starts now and is never stopped for idleness. */
  start?: "lazy" | "boot";
  /** The clock, injectable for tests. */
  now?: () => number;
}

interface Child {
  connection: UpstreamConnection;
  inflight: number;
  lastUsed: number;
}

/** The key of the listing child: principal ids are never empty. */
const LISTING = "";

/**
 * One connection whose `client({ principal })` is that principal's own child. `client()` raises
 * `UPSTREAM_UNAVAILABLE` when `maxChildren` children already run or after `close()`.
 */
export function createPerClientConnection(
  name: string,
  settings: UpstreamPerClientSpec,
  options: PerClientOptions,
): UpstreamConnection {
  const logger = options.logger.child({ upstream: name });
  const now = options.now ?? Date.now;
  const boot = options.start === "boot";
  const children = new Map<string, Child>();
  /** The view handed out for each child client, and back to the child and the client. */
  const views = new WeakMap<Client, Client>();
  const owners = new WeakMap<Client, { child: Child; inner: Client }>();
  let closed = false;
  let lastError: string | undefined;
  const sweepMs = Math.min(30_000, Math.max(50, settings.idleTimeoutMs / 4));
  const sweeper = setInterval(sweep, sweepMs);
  Deno.unrefTimer(sweeper);
  if (boot) childFor(LISTING);

  function unavailable(message: string): GatewayError {
    return new GatewayError("UPSTREAM_UNAVAILABLE", message, { data: { upstream: name } });
  }

  function perPrincipal(): number {
    return children.size - (children.has(LISTING) ? 1 : 0);
  }

  function childFor(principal: string): Child {
    const known = children.get(principal);
    if (known !== undefined) return known;
    if (principal !== LISTING && perPrincipal() >= settings.maxChildren) {
      throw unavailable(
        `Upstream "${name}" is at its limit of ${settings.maxChildren} per-client children ` +
          `(perClient.maxChildren); a child is stopped after ${settings.idleTimeoutMs} ms ` +
          "without calls",
      );
    }
    const child: Child = {
      connection: options.supervise(principal, boot && principal === LISTING),
      inflight: 0,
      lastUsed: now(),
    };
    children.set(principal, child);
    logger.info("Per-client child created", { principal: principal || "(listing)" });
    return child;
  }

  async function client(call?: UpstreamCall): Promise<Client> {
    if (closed) throw unavailable(`Upstream "${name}" is stopped`);
    const child = childFor(call?.principal ?? LISTING);
    child.inflight++;
    try {
      return view(child, await child.connection.client());
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      child.inflight--;
      child.lastUsed = now();
    }
  }

  /** The child's client, counting its requests in flight so an idle sweep never cuts one. */
  function view(child: Child, inner: Client): Client {
    const known = views.get(inner);
    if (known !== undefined) return known;
    const wrapped = new Proxy(inner, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        return function tracked(...args: unknown[]): unknown {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!(result instanceof Promise)) return result;
          child.inflight++;
          return result.finally(() => {
            child.inflight--;
            child.lastUsed = now();
          });
        };
      },
    });
    views.set(inner, wrapped);
    owners.set(wrapped, { child, inner });
    return wrapped;
  }

  function sweep(): void {
    const cutoff = now() - settings.idleTimeoutMs;
    for (const [principal, child] of children) {
      if (child.inflight > 0 || child.lastUsed > cutoff) continue;
      if (boot && principal === LISTING) continue;
      children.delete(principal);
      logger.info("Per-client child stopped: idle", { principal: principal || "(listing)" });
      void child.connection.close();
    }
  }

  function lost(wrapped: Client, error: unknown): string | undefined {
    const owner = owners.get(wrapped);
    return owner?.child.connection.lost?.(owner.inner, error);
  }

  function state(): UpstreamState {
    const states = [...children.values()].map((child) => child.connection.state());
    const running = states.find((item) => item.status === "running");
    const listing = children.get(LISTING)?.connection.state();
    const status: UpstreamStatus = closed
      ? "stopped"
      : running?.status ?? listing?.status ?? "idle";
    const protocolVersion = running?.protocolVersion ?? listing?.protocolVersion;
    const error = listing?.lastError ?? lastError;
    return {
      status,
      restarts: states.reduce((sum, item) => sum + item.restarts, 0),
      ...(protocolVersion === undefined ? {} : { protocolVersion }),
      ...(error === undefined ? {} : { lastError: error }),
      children: perPrincipal(),
    };
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    clearInterval(sweeper);
    const all = [...children.values()];
    children.clear();
    await Promise.all(all.map((child) => child.connection.close()));
  }

  return { client, lost, state, close };
}
