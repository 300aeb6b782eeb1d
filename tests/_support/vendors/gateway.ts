/**
 * The real gateway, in process, serving one shipped integration file from `tools/` unchanged,
 * with credentials stored in a real vault (embedded store, real master key). Calls run through the
 * whole pipeline as `nexus tools test` runs them (`callLocal`: limits, cache, credential stage,
 * backend, audit), and each HTTP exchange is traced with secrets redacted.
 */

import { loadConfig } from "../../../lib/config/mod.ts";
import { generateMasterKey } from "../../../lib/credentials/mod.ts";
import { createGateway, type Gateway, openVault } from "../../../lib/gateway/mod.ts";
import type { TraceEvent } from "../../../lib/mcp/mod.ts";
import { silentLogger } from "../../../lib/log.ts";
import type { ToolResult } from "../../../lib/registry/mod.ts";
import { createToolsDir, type ToolsDir } from "../registry_fixtures/tools_dir.ts";
import { REPO_ROOT } from "../gateway.ts";

/** A credential to store before the gateway starts (as `nexus credentials set` would). */
export interface CredentialInput {
  name: string;
  kind: string;
  settings?: Record<string, unknown>;
  secret: string;
}

/** An in-process gateway over one shipped tool file. */
export interface VendorGateway extends AsyncDisposable {
  gateway: Gateway;
  /** Calls one tool as the local operator; protocol errors throw, tool errors are `isError`. */
  call(name: string, args: Record<string, unknown>): Promise<ToolResult>;
  /** The HTTP exchanges traced during the last call (`request` events carry redacted headers). */
  trace(): TraceEvent[];
  /** Stores (or replaces) a credential in the gateway's vault while it runs. */
  setCredential(input: CredentialInput): Promise<void>;
}

/**
 * Starts a gateway serving `tools/<file>` with `credentials` stored first. `env` holds the
 * `NEXUS_TOOL_*` variables the file reads (set in this process while the gateway runs, since tool
 * files read the real environment; each vendor uses its own names, so parallel files never clash).
 */
export async function startVendorGateway(options: {
  file: string;
  credentials: CredentialInput[];
  env?: Record<string, string>;
  hotReload?: boolean;
  /** A store (and its master key) to reuse, as a restarted gateway would; kept on dispose. */
  store?: { dataDir: string; masterKey: string };
}): Promise<VendorGateway> {
  const text = await Deno.readTextFile(`${REPO_ROOT}/tools/${options.file}`);
  const tools: ToolsDir = await createToolsDir({ [options.file]: text });
  const dataDir = options.store?.dataDir ?? await Deno.makeTempDir({ prefix: "nexus-vendor-" });
  const vars = new Map(Object.entries({
    NEXUS_HOST: "127.0.0.1",
    NEXUS_TOOLS_DIR: tools.dir,
    NEXUS_DATA_DIR: dataDir,
    NEXUS_MASTER_KEY: options.store?.masterKey ?? generateMasterKey(),
    NEXUS_HOT_RELOAD: options.hotReload ? "true" : "false",
  }));
  const config = loadConfig((name) => vars.get(name));
  for (const [name, value] of Object.entries(options.env ?? {})) Deno.env.set(name, value);
  const setCredential = async (input: CredentialInput) => {
    const opened = await openVault(config);
    try {
      await opened.vault.set({
        name: input.name,
        kind: input.kind,
        settings: input.settings ?? {},
        secretText: input.secret,
        actor: "cli:test",
      });
    } finally {
      await opened.close();
    }
  };
  let gateway: Gateway | undefined;
  try {
    for (const credential of options.credentials) await setCredential(credential);
    gateway = await createGateway(config, { logger: silentLogger });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const opened = gateway;
  let events: TraceEvent[] = [];
  async function cleanUp(): Promise<void> {
    await gateway?.close();
    for (const name of Object.keys(options.env ?? {})) Deno.env.delete(name);
    await tools[Symbol.asyncDispose]();
    if (options.store === undefined) {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  }
  return {
    gateway: opened,
    async call(name, args) {
      events = [];
      return await opened.callLocal(
        { name, arguments: args },
        { trace: (event) => void events.push(event) },
      );
    },
    trace: () => [...events],
    setCredential,
    [Symbol.asyncDispose]: cleanUp,
  };
}

/** The text of a result's text blocks, joined. */
export function textOf(result: ToolResult): string {
  return result.content.map((block) => block.type === "text" ? block.text : "").join("");
}
