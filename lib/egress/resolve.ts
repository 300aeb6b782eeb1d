/**
 * Resolving a host name to every address it has: the system resolver (`getaddrinfo`, which reads
 * /etc/hosts) by default, or one DNS server when configured (`NEXUS_EGRESS_DNS`).
 */

import { lookup } from "node:dns/promises";
import { type IpAddress, parseIp } from "./address.ts";

/** Resolves a DNS name to its addresses; an empty list when it has none. */
export type Resolver = (name: string) => Promise<IpAddress[]>;

/**
 * A resolver: through `nameServer` (`ip:port` or `[ip]:port`) when given, else the system's.
 * @throws Error when `nameServer` is not `ip:port`
 */
export function createResolver(nameServer?: string): Resolver {
  if (nameServer === undefined) return resolveWithSystem;
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(nameServer.trim());
  if (!match || parseIp(match[1]!) === undefined) {
    throw new Error(`Invalid egress DNS server "${nameServer}": must be ip:port`);
  }
  const server = { ipAddr: match[1]!, port: Number(match[2]) };
  return (name) => resolveWithServer(name, server);
}

async function resolveWithSystem(name: string): Promise<IpAddress[]> {
  try {
    const found = await lookup(name, { all: true, verbatim: true });
    return found.map((entry) => parseIp(entry.address)).filter((a) => a !== undefined);
  } catch {
    return [];
  }
}

async function resolveWithServer(
  name: string,
  nameServer: { ipAddr: string; port: number },
): Promise<IpAddress[]> {
  const ask = (type: "A" | "AAAA") =>
    Deno.resolveDns(name, type, { nameServer }).catch(() => [] as string[]);
  const [v4, v6] = await Promise.all([ask("A"), ask("AAAA")]);
  return [...v4, ...v6].map((text) => parseIp(text)).filter((a) => a !== undefined);
}

/** How long a resolved name is reused, ms. Why fixed: neither resolver reports record TTLs. */
export const DNS_CACHE_TTL_MS = 30_000;
/** Most names kept; the oldest is dropped past it. */
export const DNS_CACHE_MAX_NAMES = 1_024;

/** Options of {@linkcode cachedResolver}. */
export interface DnsCacheOptions {
  /** How long an answer is reused, ms (default {@linkcode DNS_CACHE_TTL_MS}). */
  ttlMs?: number;
  /** Most names kept (default {@linkcode DNS_CACHE_MAX_NAMES}). */
  maxNames?: number;
  /** The clock, ms. */
  now?: () => number;
}

/**
 * `resolve` with each name's answer reused for `ttlMs` (concurrent lookups of a name share one);
 * an empty answer is not kept. The cache holds addresses only: the caller judges them on every
 * request, and a new resolution after the TTL is judged afresh, so a name that rebinds to a
 * refused address is refused from its next resolution on. Raises nothing `resolve` does not.
 */
export function cachedResolver(resolve: Resolver, options: DnsCacheOptions = {}): Resolver {
  const ttlMs = options.ttlMs ?? DNS_CACHE_TTL_MS;
  const maxNames = options.maxNames ?? DNS_CACHE_MAX_NAMES;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { at: number; addresses: Promise<IpAddress[]> }>();
  return (name) => {
    const key = name.toLowerCase();
    const at = now();
    const hit = entries.get(key);
    if (hit !== undefined && at - hit.at < ttlMs) return hit.addresses;
    entries.delete(key);
    const entry = { at, addresses: resolve(name) };
    entry.addresses.then(
      (found) => found.length === 0 && entries.get(key) === entry && entries.delete(key),
      () => entries.get(key) === entry && entries.delete(key),
    );
    if (entries.size >= maxNames) entries.delete(entries.keys().next().value!);
    entries.set(key, entry);
    return entry.addresses;
  };
}
