/**
 * The egress judge: which addresses the gateway may connect to. Link-local, cloud-metadata and
 * unroutable addresses are always refused; loopback and private ranges are allowed unless
 * `NEXUS_EGRESS_PRIVATE=deny`; `NEXUS_EGRESS_ALLOW` (host names or CIDRs) overrides both.
 */

import { embeddedIpv4, formatIp, inCidr, type IpAddress, parseCidr } from "./address.ts";

/** What the egress rules are made of (config `egressAllow`, `egressPrivate`). */
export interface EgressRules {
  /** Host names (`metadata.internal`, `*.corp.example`) or CIDRs (`10.0.0.0/8`, `fd00::1`). */
  readonly allow: readonly string[];
  /** `deny`: loopback and private ranges are refused too, unless listed in `allow`. */
  readonly private: "allow" | "deny";
}

/** The judge's answer for one host and address. */
export type EgressVerdict = { allowed: true } | { allowed: false; reason: string };

/** Judges (host, address) pairs under one set of rules. */
export interface EgressPolicy {
  /** Whether the gateway may connect to `address`, reached through the name `host`. */
  judge(host: string, address: IpAddress): EgressVerdict;
}

type Range = { network: IpAddress; prefix: number };

/** Never reachable unless allowed: link-local, cloud metadata, multicast, reserved. */
const REFUSED: readonly [string, string][] = [
  ["169.254.0.0/16", "link-local (cloud metadata)"],
  ["fe80::/10", "link-local"],
  ["fd00:ec2::254", "cloud metadata (AWS)"],
  ["fd20:ce::254", "cloud metadata (GCP)"],
  ["100.100.100.200", "cloud metadata (Alibaba)"],
  ["192.0.0.192", "cloud metadata (Oracle)"],
  ["168.63.129.16", "cloud platform endpoint (Azure)"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
  ["ff00::/8", "multicast"],
];

/** Loopback and private: allowed by default, refused under `private: deny`. */
const PRIVATE: readonly [string, string][] = [
  ["0.0.0.0/8", "this-host"],
  ["127.0.0.0/8", "loopback"],
  ["10.0.0.0/8", "private"],
  ["172.16.0.0/12", "private"],
  ["192.168.0.0/16", "private"],
  ["100.64.0.0/10", "shared (CGNAT)"],
  ["198.18.0.0/15", "benchmarking"],
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["fc00::/7", "unique-local (private)"],
  ["fec0::/10", "site-local (private)"],
];

/**
 * Builds the judge for `rules`.
 * @throws Error when an `allow` entry is neither a CIDR nor a host name (config validates first)
 */
export function createEgressPolicy(rules: EgressRules): EgressPolicy {
  const allowedRanges: Range[] = [];
  const allowedHosts: string[] = [];
  for (const entry of rules.allow) {
    const problem = allowEntryProblem(entry);
    if (problem !== undefined) throw new Error(`Invalid egress allow entry "${entry}": ${problem}`);
    const cidr = parseCidr(entry);
    if (cidr !== undefined) allowedRanges.push(cidr);
    else allowedHosts.push(entry.trim().toLowerCase().replace(/\.$/, ""));
  }
  const refused = REFUSED.map(toRange);
  const privates = PRIVATE.map(toRange);

  function judge(host: string, address: IpAddress): EgressVerdict {
    if (hostListed(allowedHosts, host)) return { allowed: true };
    const candidates = [address, embeddedIpv4(address)].filter((a) => a !== undefined);
    if (candidates.some((a) => allowedRanges.some((r) => inCidr(a, r.network, r.prefix)))) {
      return { allowed: true };
    }
    for (const candidate of candidates) {
      const always = refused.find(([r]) => inCidr(candidate, r.network, r.prefix));
      if (always) return denied(host, address, `${always[1]} address`);
      if (rules.private === "allow") continue;
      const internal = privates.find(([r]) => inCidr(candidate, r.network, r.prefix));
      if (internal) {
        return denied(host, address, `${internal[1]} address, NEXUS_EGRESS_PRIVATE=deny`);
      }
    }
    return { allowed: true };
  }
  return { judge };
}

/** Why an `allow` entry is invalid, or undefined when it is a CIDR or a host name. */
export function allowEntryProblem(entry: string): string | undefined {
  const text = entry.trim();
  if (text.includes("/") || text.includes(":")) {
    return parseCidr(text) === undefined ? "not a valid CIDR" : undefined;
  }
  if (/^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_-]+\.?$/i.test(text)) {
    return undefined;
  }
  return "must be a host name, *.domain, an IP address or a CIDR";
}

function toRange([cidr, label]: [string, string]): [Range, string] {
  return [parseCidr(cidr)!, label];
}

function hostListed(hosts: readonly string[], host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
  return hosts.some((entry) =>
    entry.startsWith("*.") ? name.endsWith(entry.slice(1)) : name === entry
  );
}

function denied(host: string, address: IpAddress, why: string): EgressVerdict {
  const ip = formatIp(address);
  const shown = host === ip ? ip : `${host} (${ip})`;
  return {
    allowed: false,
    reason: `Egress denied: ${shown} is a ${why}; list it in NEXUS_EGRESS_ALLOW to allow it`,
  };
}
