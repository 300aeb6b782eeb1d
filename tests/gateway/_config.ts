/**
 * Config for in-process gateways in tests: a temp tools dir and the embedded store in a temp dir
 * unless the test names a database; `await using` removes both.
 */

import { type Config, loadConfig } from "../../lib/config/mod.ts";
import { createToolsDir, yamlTools } from "../_support/registry_fixtures/tools_dir.ts";

/** A config with its temp directories. */
export interface TestGatewayConfig extends AsyncDisposable {
  config: Config;
}

/** Loads a config from `env` (NEXUS_* names) over a tools dir holding `probe_tool`. */
export async function testGatewayConfig(
  env: Record<string, string> = {},
): Promise<TestGatewayConfig> {
  const tools = await createToolsDir({ "probe.yaml": yamlTools("probe_tool") });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-gateway-" });
  const vars = new Map(Object.entries({
    NEXUS_HOST: "127.0.0.1",
    NEXUS_TOOLS_DIR: tools.dir,
    NEXUS_DATA_DIR: dataDir,
    NEXUS_HOT_RELOAD: "false",
    ...env,
  }));
  return {
    config: loadConfig((name) => vars.get(name)),
    async [Symbol.asyncDispose]() {
      await tools[Symbol.asyncDispose]();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}
