/**
 * The real local databases for the SQL backend tests: PostgreSQL (`NEXUS_TEST_DATABASE_URL`,
 * default `postgres://postgres@127.0.0.1:5432/test`) and MariaDB/MySQL (`NEXUS_TEST_MYSQL_URL`,
 * default `mysql://root@127.0.0.1:3306/test`). Each test gets a scratch schema (Postgres) or
 * database (MariaDB) of its own, dropped afterwards. Locally a missing server skips its tests
 * with the reason; under `CI=true` they fail.
 */

import assert from "node:assert/strict";
import {
  createDatabasePools,
  type DatabasePools,
  type DatabaseSettings,
  executeTool,
} from "../../../lib/backends/mod.ts";
import { createMysqlDriver } from "../../../lib/backends/sql/mysql.ts";
import { createPostgresDriver } from "../../../lib/backends/sql/postgres.ts";
import { silentLogger } from "../../../lib/log.ts";
import type { ToolDefinition, ToolResult } from "../../../lib/registry/types.ts";
import { Secret } from "../../../lib/secret.ts";
import { loadYaml } from "../../_support/registry_fixtures/yaml.ts";
import { TEST_DATABASE_URL } from "../../store/_stores.ts";

/** The two database kinds the backend speaks. */
export type Kind = "postgres" | "mysql";
/** Both kinds, for suites that run against each. */
export const KINDS: readonly Kind[] = ["postgres", "mysql"];

const URLS: Record<Kind, string> = {
  postgres: TEST_DATABASE_URL,
  mysql: Deno.env.get("NEXUS_TEST_MYSQL_URL") ?? "mysql://root@127.0.0.1:3306/test",
};
const IN_CI = Deno.env.get("CI") === "true";
const PROBLEMS: Record<Kind, string | undefined> = {
  postgres: await probe("postgres"),
  mysql: await probe("mysql"),
};

/** `Deno.test` options for a test on `kind`: ignored locally without it, failing under CI. */
export function databaseTest(
  kind: Kind,
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
): Deno.TestDefinition {
  const missing = PROBLEMS[kind];
  const label = `[${kind}] ${name}`;
  if (missing === undefined) return { name: label, fn };
  if (IN_CI) return { name: label, fn: () => assert.fail(`${kind} is required in CI: ${missing}`) };
  return { name: `${label} (skipped: ${missing})`, ignore: true, fn };
}

/** A scratch schema or database, its URL, and a runner for setup statements. */
export interface Scratch extends AsyncDisposable {
  /** The scratch schema (Postgres) or database (MariaDB) name. */
  readonly name: string;
  /** A URL whose unqualified table names land in the scratch space. */
  readonly url: string;
  /** Runs setup statements (no placeholders) with write access. */
  exec(...statements: string[]): Promise<void>;
  /** The first column of the first row of `query`. */
  scalar(query: string): Promise<unknown>;
}

/** Creates a scratch space on `kind`; `await using` drops it. */
export async function openScratch(kind: Kind): Promise<Scratch> {
  const name = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  const admin = driverFor(kind, URLS[kind]);
  const create = kind === "postgres" ? `create schema ${name}` : `create database ${name}`;
  await run(admin, create);
  const url = kind === "postgres"
    ? `${URLS.postgres}${URLS.postgres.includes("?") ? "&" : "?"}search_path=${name}`
    : URLS.mysql.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const scoped = driverFor(kind, url);
  return {
    name,
    url,
    async exec(...statements) {
      for (const statement of statements) await run(scoped, statement);
    },
    async scalar(query) {
      const read = await scoped.run(request(query, false));
      return read.rows[0]?.[0];
    },
    async [Symbol.asyncDispose]() {
      await scoped.close();
      const drop = kind === "postgres"
        ? `drop schema if exists ${name} cascade`
        : `drop database if exists ${name}`;
      await run(admin, drop).finally(() => admin.close());
    },
  };
}

/** Settings for a database named `name` at `url`, small limits unless overridden. */
export function settingsFor(
  kind: Kind,
  url: string,
  overrides: Partial<DatabaseSettings> = {},
): DatabaseSettings {
  return {
    name: "testdb",
    kind,
    url: new Secret(url),
    maxConnections: 2,
    statementTimeout: 5_000,
    maxRows: 100,
    maxBytes: 100_000,
    ...overrides,
  };
}

/** Pools for `settings`; `await using` closes them. */
export function poolsFor(...settings: DatabaseSettings[]): DatabasePools & AsyncDisposable {
  const pools = createDatabasePools(settings, { logger: silentLogger });
  return Object.assign(pools, { [Symbol.asyncDispose]: () => pools.close() });
}

/** Loads one YAML tool file (it must have no problems) and returns its tools by name. */
export function sqlTools(yaml: string): Map<string, ToolDefinition> {
  const { tools, problems } = loadYaml(yaml);
  assert.deepEqual(problems, []);
  return new Map(tools.map((tool) => [tool.name, tool]));
}

/** Calls `tool` with `args` on `pools`. */
export async function call(
  tool: ToolDefinition | undefined,
  args: Record<string, unknown>,
  pools: DatabasePools,
): Promise<ToolResult> {
  assert.ok(tool, "no such tool");
  const outcome = await executeTool(tool, args, {
    signal: new AbortController().signal,
    logger: silentLogger,
    egressOrigins: new Set(),
    databases: pools,
  });
  return outcome.result;
}

/** The structured content of a SQL result. */
export interface SqlContent {
  rows: Array<Record<string, unknown>>;
  rowCount: number;
  truncated: boolean;
  columns: Array<{ name: string; type: string }>;
}

/** The result's structured content, typed. */
export function contentOf(result: ToolResult): SqlContent {
  assert.ok(result.structuredContent, "no structured content");
  return result.structuredContent as unknown as SqlContent;
}

function driverFor(kind: Kind, url: string) {
  const settings = settingsFor(kind, url);
  return kind === "postgres" ? createPostgresDriver(settings) : createMysqlDriver(settings);
}

function request(text: string, write: boolean) {
  return {
    text: [text],
    names: [],
    values: [],
    write,
    timeoutMs: 10_000,
    fetchRows: 1000,
    signal: new AbortController().signal,
  };
}

async function run(driver: ReturnType<typeof driverFor>, statement: string): Promise<void> {
  await driver.run(request(statement, true));
}

async function probe(kind: Kind): Promise<string | undefined> {
  const driver = driverFor(kind, URLS[kind]);
  try {
    await driver.run({ ...request("select 1", false), timeoutMs: 3_000 });
    return undefined;
  } catch (error) {
    const host = URLS[kind].replace(/^[a-z]+:\/\/(?:[^@/]*@)?([^/?]*).*$/, "$1");
    return `no ${kind} at ${host}: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await driver.close().catch(() => {});
  }
}
