/**
 * How policies and virtual servers name clients: `key:NAME` for an API key (its name, or its key
 * id), `jwt:CLIENT` for a JWT client (its client claim, or `issuer#subject`); globs allowed after
 * the prefix. Why a kind on every entry: key names are chosen by whoever runs `nexus clients
 * create`, JWT client ids by whoever runs the identity provider, and an unprefixed `alice` would
 * match both, so the owner of one namespace could take the other's policy.
 */

/** The principal kinds a policy entry can name, by prefix. */
export const CLIENT_REF_KINDS = { key: "api_key", jwt: "jwt" } as const;

/** A parsed policy entry: the principal kind it matches and the pattern after the prefix. */
export interface ClientRef {
  /** The principal kind matched: `api_key` for `key:`, `jwt` for `jwt:`. */
  kind: typeof CLIENT_REF_KINDS[keyof typeof CLIENT_REF_KINDS];
  /** The name pattern after the prefix, never empty (`*` any run, `?` one character). */
  pattern: string;
}

/** The entry `key:NAME` / `jwt:CLIENT` parsed, or a problem naming how to rewrite it. */
export function parseClientRef(entry: string): ClientRef | string {
  const colon = entry.indexOf(":");
  const prefix = colon < 0 ? "" : entry.slice(0, colon);
  const pattern = entry.slice(colon + 1);
  if (prefix === "key" || prefix === "jwt") {
    if (pattern === "") return `"${entry}" names no client after "${prefix}:"`;
    return { kind: CLIENT_REF_KINDS[prefix], pattern };
  }
  return `"${entry}" names no client kind: write "key:${entry}" for an API key or ` +
    `"jwt:${entry}" for a JWT client`;
}
