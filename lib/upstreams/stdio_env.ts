/**
 * A stdio upstream's `env` with its `${credential:NAME}` references resolved from the vault, and a
 * redactor for the secrets it put there. Run at every child start, so a rotated credential reaches
 * the next child; a running child keeps the value it started with.
 */

import type { Redactor, ResolvedCredential } from "../credentials/mod.ts";
import { GatewayError } from "../errors.ts";

const REFERENCE = /\$\{credential:([^}]*)\}/g;

/** Resolves one credential by name (the vault's `resolve`). */
export type ResolveCredential = (name: string) => Promise<ResolvedCredential>;

/** The environment to start a child with, and what scrubs its secrets from text. */
export interface PreparedEnv {
  /** Variable names to values, references replaced by each credential's primary secret. */
  env: Record<string, string>;
  /** Scrubs every secret used from text (the child's stderr, error messages). */
  redact: (text: string) => string;
}

/**
 * Replaces every `${credential:NAME}` in `env` values with that credential's primary secret.
 * @throws GatewayError INVALID_CONFIG when a value names a credential but there is no vault, or
 * the credential has no single secret (`headers`); the vault's own errors (NOT_FOUND, …) as is.
 */
export async function prepareStdioEnv(
  env: Record<string, string>,
  resolve: ResolveCredential | undefined,
): Promise<PreparedEnv> {
  const names = new Set<string>();
  for (const value of Object.values(env)) {
    for (const match of value.matchAll(REFERENCE)) names.add(match[1] ?? "");
  }
  if (names.size === 0) return { env: { ...env }, redact: (text) => text };
  if (resolve === undefined) {
    throw new GatewayError(
      "INVALID_CONFIG",
      "Cannot resolve stdio env credentials: no credential vault is configured",
    );
  }
  const values = new Map<string, string>();
  const redactors: Redactor[] = [];
  for (const name of names) {
    const resolved = await resolve(name);
    if (resolved.secret === undefined) {
      throw new GatewayError(
        "INVALID_CONFIG",
        `Cannot put credential "${name}" in a stdio env: kind ${resolved.kind} has no single secret`,
      );
    }
    values.set(name, resolved.secret.reveal());
    redactors.push(resolved.auth.redact);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    out[key] = value.replace(REFERENCE, (_, name: string) => values.get(name) ?? "");
  }
  return {
    env: out,
    redact: (text) => redactors.reduce((acc, redact) => redact(acc), text),
  };
}
