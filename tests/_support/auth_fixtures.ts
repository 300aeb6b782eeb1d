/**
 * Helpers for end-to-end auth and audit tests: run `nexus clients …` as the real CLI, and connect
 * an SDK client that sends a bearer token.
 */

import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/client";
import { connect, type Era, gatewayArgs, gatewayEnv, REPO_ROOT } from "./gateway.ts";

/** Runs `main.ts <args…>` with `env`; returns exit code and output. */
export async function runNexus(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [command, ...rest] = args;
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...gatewayArgs(command!), ...rest],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: gatewayEnv(env),
    stdin: "null",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

/** `nexus clients create NAME …`; returns the key from the last line of stdout. */
export async function createClientKey(
  name: string,
  env: Record<string, string>,
  flags: string[] = [],
): Promise<string> {
  const result = await runNexus(["clients", "create", name, ...flags], env);
  assert.equal(result.code, 0, result.stderr);
  const key = result.stdout.trim().split("\n").at(-1)!;
  assert.match(key, /^nxk_/);
  return key;
}

/** A fetch that adds `Authorization: Bearer token` to every request. */
export function bearerFetch(token: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("authorization", `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
}

/** Connects an SDK client of `era` that authenticates with `token`. */
export function connectAs(
  era: Era,
  url: string,
  token: string,
): Promise<Client & AsyncDisposable> {
  return connect(era, url, { fetch: bearerFetch(token) });
}

/** Tool names a client sees, in order. */
export async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name);
}
