/**
 * An in-process gateway (`createGateway`) on the embedded store or on a Postgres database of its
 * own (created here, dropped on dispose), with an admin key issued before it starts and a master
 * key set, for the admin API tests. `await using env = await openAdminGateway("sqlite")`.
 */

import postgres from "postgres";
import { issueApiKey } from "../../lib/auth/mod.ts";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { createGateway, type Gateway } from "../../lib/gateway/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import { openStore, type StoreDialect } from "../../lib/store/mod.ts";
import { testGatewayConfig } from "../gateway/_config.ts";
import { TEST_DATABASE_URL } from "../store/_stores.ts";

/** A running in-process gateway and an admin key for it. */
export interface AdminGateway extends AsyncDisposable {
  gateway: Gateway;
  /** The admin key (`Authorization: Bearer …`). */
  adminKey: string;
  /** Sends `method path` to `/admin…` as the administrator, JSON body when given. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
}

/** Opens the gateway on `dialect`, with extra `NEXUS_*` settings. */
export async function openAdminGateway(
  dialect: StoreDialect,
  env: Record<string, string> = {},
): Promise<AdminGateway> {
  const database = dialect === "postgres" ? await createDatabase() : undefined;
  const setup = await testGatewayConfig({
    NEXUS_MASTER_KEY: generateMasterKey(),
    ...(database ? { NEXUS_DATABASE_URL: database.url } : {}),
    ...env,
  });
  const store = await openStore(setup.config, { logger: silentLogger });
  const { key } = await issueApiKey(store.apiKeys, "ops", { scope: "admin" }).finally(() =>
    store.close()
  );
  const gateway = await createGateway(setup.config, { logger: silentLogger });
  const adminKey = key.reveal();
  return {
    gateway,
    adminKey,
    admin: (method, path, body) =>
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
      )),
    async [Symbol.asyncDispose]() {
      await gateway.close();
      await setup[Symbol.asyncDispose]();
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
