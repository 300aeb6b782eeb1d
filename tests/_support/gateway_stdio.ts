/** `nexus stdio` launched by the SDK's `StdioClientTransport`, as a desktop client would. */

import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { gatewayArgs, REPO_ROOT } from "./gateway.ts";

/**
 * The transport to a `nexus stdio` child with `env` (over quiet defaults: `NEXUS_LOG_LEVEL=warn`,
 * `NO_COLOR=1`); its stderr is ignored unless `stderr: "pipe"`.
 */
export function gatewayStdioTransport(
  env: Record<string, string>,
  options: { stderr?: "ignore" | "pipe" } = {},
): StdioClientTransport {
  return new StdioClientTransport({
    command: Deno.execPath(),
    args: gatewayArgs("stdio"),
    cwd: REPO_ROOT,
    env: { NEXUS_LOG_LEVEL: "warn", NO_COLOR: "1", ...env },
    stderr: options.stderr ?? "ignore",
  });
}
