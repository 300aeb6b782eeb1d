/**
 * IP addresses in every notation a URL, a resolver or an operator may write: WHATWG IPv4 forms
 * (`0x7f000001`, `2130706433`, `0177.0.0.1`, `127.1`) and IPv6 (`[::ffff:127.0.0.1]`, zone ids),
 * normalised to bytes so the judge sees one form only.
 */

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  /** 4 or 6. */
  readonly version: 4 | 6;
  /** Network-order bytes (4 or 16 of them). */
  readonly bytes: Uint8Array;
}

/**
 * Parses `text` as an IP address in any notation, or returns undefined for a DNS name.
 * Brackets and an IPv6 zone id (`%eth0`) are dropped.
 */
export function parseIp(text: string): IpAddress | undefined {
  let host = text.trim();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host.includes(":")) return parseIpv6(host.replace(/%.*$/, ""));
  return parseIpv4(host);
}

/** The canonical text of an address (`127.0.0.1`, `::ffff:7f00:1`). */
export function formatIp(address: IpAddress): string {
  if (address.version === 4) return [...address.bytes].join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((address.bytes[i]! << 8) | address.bytes[i + 1]!);
  const [start, length] = longestZeroRun(groups);
  const hex = groups.map((group) => group.toString(16));
  if (length < 2) return hex.join(":");
  return `${hex.slice(0, start).join(":")}::${hex.slice(start + length).join(":")}`;
}

/**
 * The IPv4 address an IPv6 address carries (`::ffff:a.b.c.d` mapped, `64:ff9b::/96` NAT64,
 * `::a.b.c.d` compatible), or undefined; such an address reaches that IPv4 host.
 */
export function embeddedIpv4(address: IpAddress): IpAddress | undefined {
  if (address.version === 4) return undefined;
  const b = address.bytes;
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const mapped = zeros(0, 10) && b[10] === 0xff && b[11] === 0xff;
  const nat64 = b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12);
  // Why not :: and ::1: they are the unspecified and loopback addresses, judged as themselves.
  const compatible = zeros(0, 12) && !zeros(12, 15);
  if (!mapped && !nat64 && !compatible) return undefined;
  return { version: 4, bytes: b.slice(12, 16) };
}

/** Whether `address` lies in `network`/`prefix` (same version only). */
export function inCidr(address: IpAddress, network: IpAddress, prefix: number): boolean {
  if (address.version !== network.version) return false;
  for (let bit = 0; bit < prefix; bit += 8) {
    const left = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - left)) & 0xff;
    const i = bit / 8;
    if ((address.bytes[i]! & mask) !== (network.bytes[i]! & mask)) return false;
  }
  return true;
}

/**
 * Parses `a.b.c.d/len` or `x::/len` (a bare address is a /32 or /128).
 * @returns undefined when `text` is not a CIDR
 */
export function parseCidr(text: string): { network: IpAddress; prefix: number } | undefined {
  const [host, bits, extra] = text.trim().split("/");
  if (host === undefined || extra !== undefined) return undefined;
  const network = parseIp(host);
  if (network === undefined) return undefined;
  const max = network.version === 4 ? 32 : 128;
  if (bits === undefined) return { network, prefix: max };
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return undefined;
  return { network, prefix: Number(bits) };
}

// Why this parser: it follows the WHATWG URL host parser, the one fetch uses, so "0x7f.1" means
// here what it means to the connection (1-4 parts; decimal, 0-prefixed octal or 0x hex).
function parseIpv4(host: string): IpAddress | undefined {
  const parts = host.split(".");
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  if (parts.length === 0 || parts.length > 4) return undefined;
  const numbers = parts.map(parseIpv4Number);
  if (numbers.some((n) => n === undefined)) return undefined;
  const values = numbers as number[];
  const last = values.pop()!;
  if (values.some((n) => n > 255) || last >= 256 ** (4 - values.length)) return undefined;
  let value = last;
  values.forEach((n, i) => value += n * 256 ** (3 - i));
  return {
    version: 4,
    bytes: new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]),
  };
}

function parseIpv4Number(part: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]+$/.test(part)) return parseInt(part.slice(1), 8);
  if (/^(0|[1-9][0-9]*)$/.test(part)) return Number(part);
  return undefined;
}

function parseIpv6(host: string): IpAddress | undefined {
  const halves = host.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0]!.split(":");
  const tail = halves.length === 2 ? (halves[1] === "" ? [] : halves[1]!.split(":")) : [];
  const groups: number[] = [];
  const readGroups = (list: string[], out: number[]): boolean => {
    for (const [i, group] of list.entries()) {
      if (i === list.length - 1 && group.includes(".")) {
        const v4 = parseDottedQuad(group);
        if (v4 === undefined) return false;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) out.push(parseInt(group, 16));
      else return false;
    }
    return true;
  };
  const tailGroups: number[] = [];
  if (!readGroups(head, groups) || !readGroups(tail, tailGroups)) return undefined;
  // Why: a dotted quad may only end the address, never sit in its head before "::".
  if (halves.length === 2 && head.some((group) => group.includes("."))) return undefined;
  const missing = 8 - groups.length - tailGroups.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...groups, ...new Array(missing).fill(0), ...tailGroups];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 255;
  });
  return { version: 6, bytes };
}

// Why strict: inside IPv6 the embedded IPv4 part is four decimal octets, never the legacy forms.
function parseDottedQuad(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p))) return undefined;
  const values = parts.map(Number);
  return values.some((n) => n > 255) ? undefined : values;
}

function longestZeroRun(groups: number[]): [number, number] {
  let best: [number, number] = [0, 0];
  for (let i = 0; i < groups.length; i++) {
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > best[1]) best = [i, j - i];
    i = j;
  }
  return best;
}
