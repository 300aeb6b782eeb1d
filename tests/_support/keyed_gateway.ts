/**
 * A gateway on its own data directory with a master key and client keys made before it starts:
 * the set-up of the e2e tests that call it as named clients (task upstreams, their owners).
 */

import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { createClientKey } from "./auth_fixtures.ts";
import { createGatewayToolsDir, type Gateway, startGateway } from "./gateway.ts";

/** The running gateway, each client's key by name, and the env and data dir it runs with. */
export interface KeyedGateway<C extends string> extends AsyncDisposable {
  gateway: Gateway;
  keys: Record<C, string>;
  env: Record<string, string>;
  dataDir: string;
}

/**
 * Starts a gateway serving `toolFiles` (beside the shipped tools) on a fresh data directory named
 * with `prefix`, after creating a key for each of `clients`; disposing it stops the gateway and
 * removes the tools and data directories.
 */
export async function startKeyedGateway<C extends string>(
  toolFiles: Record<string, string>,
  options: { prefix: string; clients: readonly C[] },
): Promise<KeyedGateway<C>> {
  const stack = new AsyncDisposableStack();
  try {
    const dataDir = await Deno.makeTempDir({ prefix: options.prefix });
    stack.defer(() => Deno.remove(dataDir, { recursive: true }));
    const env = { NEXUS_DATA_DIR: dataDir, NEXUS_MASTER_KEY: generateMasterKey() };
    const keys = {} as Record<C, string>;
    for (const name of options.clients) keys[name] = await createClientKey(name, env);
    const tools = stack.use(await createGatewayToolsDir(toolFiles));
    const gateway = stack.use(await startGateway({ toolsDir: tools.dir, env }));
    const owned = stack.move();
    return { gateway, keys, env, dataDir, [Symbol.asyncDispose]: () => owned.disposeAsync() };
  } catch (error) {
    await stack.disposeAsync();
    throw error;
  }
}
