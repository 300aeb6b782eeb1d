/**
 * Gateway configuration: the one zod schema and the only reader of `Deno.env`.
 */

export { type Config, type DatabaseConfig, type GetEnv, loadConfig } from "./load.ts";
/** `parseClientRef()` reads a policy's `key:NAME` / `jwt:CLIENT` entry; raises nothing. */
export { CLIENT_REF_KINDS, type ClientRef, parseClientRef } from "./client_refs.ts";

/**
 * Reads the real process environment; the one place `Deno.env` is touched.
 * @throws nothing: a missing permission reads as unset.
 */
export function readProcessEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
