/**
 * Runs `main.ts <args>` as the real CLI, with the permissions `deno task nexus` grants, a chosen
 * environment (no inherited `NEXUS_*`) and optional stdin text.
 */

import { GATEWAY_FLAGS, gatewayEnv, REPO_ROOT } from "./gateway.ts";

/** What a CLI run printed and how it ended. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion. */
export async function runNexus(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<CliRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...GATEWAY_FLAGS, `${REPO_ROOT}/main.ts`, ...args],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: gatewayEnv(options.env ?? {}),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  if (options.stdin !== undefined) await writer.write(new TextEncoder().encode(options.stdin));
  await writer.close();
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
