/**
 * An in-process gateway (`createGateway`) on the embedded store or on a Postgres database of its
 * own (created here, dropped on dispose), with an admin key issued before it starts and a master
 * key set, for the admin API tests. `await using env = await openAdminGateway("sqlite")`.
 */

import postgres from "postgres";
import { issueApiKey } from "../../lib/auth/mod.ts";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { createGateway, type Gateway, openVault } from "../../lib/gateway/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import { openStore, type StoreDialect } from "../../lib/store/mod.ts";
import { loadConfig } from "../../lib/config/mod.ts";
import { createToolsDir, yamlTools } from "../_support/registry_fixtures/tools_dir.ts";
import { TEST_DATABASE_URL } from "../store/_stores.ts";

/** A running in-process gateway and an admin key for it. */
export interface AdminGateway extends AsyncDisposable {
  gateway: Gateway;
  /** The Postgres URL of its database (absent on the embedded store). */
  databaseUrl?: string;
  /** Issues a client key named `name` in the gateway's store (through the admin API). */
  clientKey(name: string): Promise<string>;
  /** The admin key (`Authorization: Bearer …`). */
  adminKey: string;
  /** Sends `method path` to `/admin…` as the administrator, JSON body when given. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
}

/** What the gateway is opened with besides its store. */
export interface AdminGatewayOptions {
  /** Extra `NEXUS_*` settings. */
  env?: Record<string, string>;
  /** Tool files by name; default one YAML file holding `probe_tool`. */
  tools?: Record<string, string>;
  /** The config file's text (policies, upstreams). */
  yaml?: string;
  /** The admin key's client name; default `ops`. */
  adminName?: string;
  /** Bearer credentials set in the vault before the gateway starts, secret by name. */
  credentials?: Record<string, string>;
}

/** Opens the gateway on `dialect`. */
export async function openAdminGateway(
  dialect: StoreDialect,
  options: AdminGatewayOptions = {},
): Promise<AdminGateway> {
  // Why: a second instance names the first one's database in `env` and gets no database of its own.
  const shared = options.env?.NEXUS_DATABASE_URL !== undefined;
  const database = dialect === "postgres" && !shared ? await createDatabase() : undefined;
  const tools = await createToolsDir(options.tools ?? { "probe.yaml": yamlTools("probe_tool") });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-admin-" });
  const vars = new Map(Object.entries({
    NEXUS_HOST: "127.0.0.1",
    NEXUS_TOOLS_DIR: tools.dir,
    NEXUS_DATA_DIR: dataDir,
    NEXUS_HOT_RELOAD: "false",
    NEXUS_MASTER_KEY: generateMasterKey(),
    ...(database ? { NEXUS_DATABASE_URL: database.url } : {}),
    ...options.env,
  }));
  const config = loadConfig((name) => vars.get(name), options.yaml);
  if (options.credentials !== undefined) {
    const opened = await openVault(config);
    for (const [name, secretText] of Object.entries(options.credentials)) {
      await opened.vault.set({ name, kind: "bearer", settings: {}, secretText, actor: "test" });
    }
    await opened.close();
  }
  const store = await openStore(config, { logger: silentLogger });
  const { key } = await issueApiKey(store.apiKeys, options.adminName ?? "ops", {
    scope: "admin",
  }).finally(() => store.close());
  const gateway = await createGateway(config, { logger: silentLogger });
  const adminKey = key.reveal();
  const admin = (method: string, path: string, body?: unknown) =>
    Promise.resolve(gateway.fetch(
      new Request(`http://127.0.0.1/admin${path}`, {
        method,
        headers: {
          host: "127.0.0.1",
          authorization: `Bearer ${adminKey}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    ));
  return {
    gateway,
    ...(vars.has("NEXUS_DATABASE_URL") ? { databaseUrl: vars.get("NEXUS_DATABASE_URL") } : {}),
    adminKey,
    admin,
    async clientKey(name) {
      const response = await admin("POST", "/clients", { name });
      if (response.status !== 201) throw new Error(`Cannot issue a key: ${await response.text()}`);
      return (await response.json()).key;
    },
    async [Symbol.asyncDispose]() {
      await gateway.close();
      await tools[Symbol.asyncDispose]();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      await database?.drop();
    },
  };
}

/** A fresh database on the shared Postgres server, dropped by `drop()`. */
async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `nexus_admin_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  await sql.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      await sql.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await sql.end();
    },
  };
}
