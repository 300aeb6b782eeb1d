/**
 * Isolated stores for tests: Postgres in a schema of its own (created here, dropped on dispose),
 * the embedded store in a temp directory. `await using store = await openTestStore("postgres")`.
 *
 * Postgres is `NEXUS_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`).
 * Locally a missing Postgres skips its tests with the reason; under `CI=true` they fail.
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { openStore, type Store, type StoreDialect } from "../../lib/store/mod.ts";
import { Secret } from "../../lib/secret.ts";
import { databaseOf } from "../../lib/store/store.ts";

/** The Postgres URL tests use. */
export const TEST_DATABASE_URL = Deno.env.get("NEXUS_TEST_DATABASE_URL") ??
  "postgres://postgres@127.0.0.1:5432/test";

const IN_CI = Deno.env.get("CI") === "true";

/** Why Postgres is unusable here, or undefined when it answers. Probed once per test file. */
export const POSTGRES_PROBLEM: string | undefined = await probePostgres();

/** Both dialects, for suites that run against each. */
export const DIALECTS: readonly StoreDialect[] = ["postgres", "sqlite"];

/** A store that cleans up after itself; `reopen()` opens a second handle on the same data. */
export interface TestStore extends Store, AsyncDisposable {
  /** Another handle on the same database (another pool or connection), as a second instance. */
  reopen(): Promise<Store>;
  /** Postgres schema or embedded data directory. */
  readonly isolation: string;
}

/**
 * `Deno.test` options for a test needing `dialect`: ignored locally without Postgres (the name
 * says why), failing under CI.
 */
export function storeTest(
  dialect: StoreDialect,
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): Deno.TestDefinition {
  const missing = dialect === "postgres" ? POSTGRES_PROBLEM : undefined;
  if (missing === undefined) return { name: `[${dialect}] ${name}`, fn };
  if (IN_CI) {
    return {
      name: `[${dialect}] ${name}`,
      fn: () => assert.fail(`Postgres is required in CI: ${missing}`),
    };
  }
  return { name: `[${dialect}] ${name} (skipped: ${missing})`, ignore: true, fn };
}

/** Opens an isolated store of `dialect`, migrated unless `migrate: false`; `reopen()` migrates. */
export async function openTestStore(
  dialect: StoreDialect,
  options: { migrate?: boolean } = {},
): Promise<TestStore> {
  if (dialect === "postgres") {
    const schema = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    const config = { databaseUrl: new Secret(TEST_DATABASE_URL), dataDir: "/nonexistent" };
    const reopen = () => openStore(config, { schema, maxConnections: 4 });
    const store = await openStore(config, { schema, maxConnections: 4, ...options });
    return Object.assign(store, {
      isolation: schema,
      reopen,
      async [Symbol.asyncDispose]() {
        await store.close();
        await dropSchema(schema);
      },
    });
  }
  const dir = await Deno.makeTempDir({ prefix: "nexus-store-" });
  const reopen = () => openStore({ dataDir: dir });
  const store = await openStore({ dataDir: dir }, options);
  return Object.assign(store, {
    isolation: dir,
    reopen,
    async [Symbol.asyncDispose]() {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    },
  });
}

async function dropSchema(schema: string): Promise<void> {
  const sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  try {
    await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function probePostgres(): Promise<string | undefined> {
  const sql = postgres(TEST_DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return undefined;
  } catch (error) {
    return `no Postgres at ${new URL(TEST_DATABASE_URL).host}: ${
      error instanceof Error ? error.message : String(error)
    }`;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/** Runs one raw statement (`?` placeholders) on either dialect: what an attacker with write access to the database could do. */
export async function execSql(
  store: Store,
  text: string,
  params: Array<string | number | Uint8Array | null> = [],
): Promise<void> {
  const pieces = text.split("?");
  await databaseOf(store).run({ strings: pieces, values: params });
}
