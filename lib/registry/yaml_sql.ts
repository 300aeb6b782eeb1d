/**
 * Validates the `sql:` section of a YAML tool: the database name, the query and its `:name`
 * placeholders (each a declared argument, bound as a parameter, never spliced into the text),
 * the row limit, the write opt-in and the statement timeout.
 */

import { isPlainObject, type ReportProblem, unknownKeys } from "./fields.ts";
import { DEFAULT_TIMEOUT_MS, parseDuration } from "./fields.ts";
import { parseSqlQuery } from "./sql_query.ts";
import type { SqlBackendSpec } from "./types.ts";

/** Database names follow the credential-name rule: lower-case words. */
export const DATABASE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** The most rows a tool may ask for. */
export const MAX_SQL_ROWS = 10_000;
const MAX_SQL_TIMEOUT_MS = 5 * 60_000;
const SQL_KEYS = ["database", "query", "maxRows", "write", "timeout"];

/** The SQL backend spec, or undefined after reporting every problem found. */
export function readSqlBackend(
  value: unknown,
  options: { args: ReadonlySet<string> | undefined; report: ReportProblem },
): SqlBackendSpec | undefined {
  const { report } = options;
  if (!isPlainObject(value)) {
    return void report({ path: ["sql"], message: "sql must be a mapping" });
  }
  const problems = unknownKeys(value, SQL_KEYS, ["sql"]);
  const { database, query, maxRows, write = false, timeout } = value;
  if (typeof database !== "string" || !DATABASE_NAME_PATTERN.test(database)) {
    const message = "sql.database must name a database under databases: in the gateway config";
    problems.push({ path: database === undefined ? ["sql"] : ["sql", "database"], message });
  }
  if (
    maxRows !== undefined &&
    (!Number.isInteger(maxRows) || (maxRows as number) < 1 || (maxRows as number) > MAX_SQL_ROWS)
  ) {
    const message = `sql.maxRows must be a whole number from 1 to ${MAX_SQL_ROWS}`;
    problems.push({ path: ["sql", "maxRows"], message });
  }
  if (typeof write !== "boolean") {
    problems.push({ path: ["sql", "write"], message: "sql.write must be true or false" });
  }
  const timeoutMs = timeout === undefined ? undefined : parseDuration(timeout);
  if (timeout !== undefined && (timeoutMs === undefined || timeoutMs > MAX_SQL_TIMEOUT_MS)) {
    const message = `sql.timeout must be a duration such as "5s", at most 5m`;
    problems.push({ path: ["sql", "timeout"], message });
  }
  const parsed = readQuery(query, options.args, problems);
  problems.forEach(report);
  if (problems.length > 0 || parsed === undefined) return undefined;
  return {
    kind: "sql",
    database: database as string,
    query: query as string,
    text: parsed.text,
    params: parsed.params,
    ...(maxRows === undefined ? {} : { maxRows: maxRows as number }),
    write: write as boolean,
    ...(timeoutMs === undefined ? {} : { statementTimeoutMs: timeoutMs }),
    timeoutMs: timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
}

function readQuery(
  query: unknown,
  args: ReadonlySet<string> | undefined,
  problems: Array<{ path: readonly (string | number)[]; message: string }>,
): { text: string[]; params: string[] } | undefined {
  if (typeof query !== "string" || query.trim() === "") {
    const path = query === undefined ? ["sql"] : ["sql", "query"];
    problems.push({ path, message: "sql.query must be a non-empty string" });
    return undefined;
  }
  const parsed = parseSqlQuery(query);
  if (typeof parsed === "string") {
    problems.push({ path: ["sql", "query"], message: `sql.query: ${parsed}` });
    return undefined;
  }
  for (const name of new Set(parsed.params)) {
    if (args === undefined || args.has(name)) continue;
    const message = `placeholder ":${name}" in sql.query is not a declared argument ` +
      `(declare it in input.properties)`;
    problems.push({ path: ["sql", "query"], message });
  }
  return parsed;
}
