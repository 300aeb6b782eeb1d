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
