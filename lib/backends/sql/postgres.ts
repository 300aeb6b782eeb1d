/**
 * The PostgreSQL driver (postgres.js): a lazily connecting pool per database; each query in its
 * own transaction (`BEGIN READ ONLY` unless the tool writes) with `SET LOCAL statement_timeout`,
 * its values bound as parameters, and at most `fetchRows` rows read through a cursor.
 */

import postgres from "postgres";
import type { JsonValue } from "../../registry/types.ts";
import type { DatabaseDriver, DatabaseSettings, SqlColumn, SqlRequest, SqlRows } from "./driver.ts";
import { isoDateText, toJsonValue, toParameter } from "./values.ts";

const DATE_OIDS = [1082, 1083, 1114, 1184, 1266];
const TYPE_NAMES: Record<number, string> = {
  16: "bool",
  17: "bytea",
  18: "char",
  19: "name",
  20: "int8",
  21: "int2",
  23: "int4",
  25: "text",
  26: "oid",
  114: "json",
  142: "xml",
  700: "float4",
  701: "float8",
  790: "money",
  1042: "bpchar",
  1043: "varchar",
  1082: "date",
  1083: "time",
  1114: "timestamp",
  1184: "timestamptz",
  1186: "interval",
  1266: "timetz",
  1700: "numeric",
  2950: "uuid",
  3802: "jsonb",
};

/** Opens a pool for one PostgreSQL database; connections are made on first use. */
export function createPostgresDriver(settings: DatabaseSettings): DatabaseDriver {
  const sql = postgres(settings.url.reveal(), {
    max: settings.maxConnections,
    idle_timeout: 60,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: "nexus" },
    // Why: dates and times come back as the server wrote them, then as ISO 8601 text; a JS Date
    // would drop microseconds and read a zone-less timestamp in the gateway host's zone.
    types: {
      nexusDate: {
        to: 25,
        from: DATE_OIDS,
        serialize: (value: unknown) => String(value),
        parse: (text: string) => isoDateText(text),
      },
    },
  });
  return {
    run: (request) => runQuery(sql, request),
    close: () => sql.end({ timeout: 5 }),
  };
}

async function runQuery(sql: postgres.Sql, request: SqlRequest): Promise<SqlRows> {
  const { text, values } = numbered(request);
  const mode = request.write ? "read write" : "read only";
  return await sql.begin(mode, async (tx) => {
    await tx.unsafe(`set local statement_timeout = ${Math.max(1, Math.round(request.timeoutMs))}`);
    const query = tx.unsafe(text, values as postgres.ParameterOrJSON<never>[]);
    const cancel = () => void query.cancel();
    request.signal.addEventListener("abort", cancel, { once: true });
    try {
      if (request.write) return rowsOf(await query, request.fetchRows);
      const read = await readRows(query, request.fetchRows);
      if (read.columns.length > 0) return read;
      // Why: an empty cursor says nothing about columns; ask the server to describe the query.
      const described = await tx.unsafe(text, values as postgres.ParameterOrJSON<never>[])
        .describe();
      return { columns: columnsOf(described as unknown as Described), rows: [] };
    } finally {
      request.signal.removeEventListener("abort", cancel);
    }
  });
}

/** The query with `$n` for each distinct placeholder name, and one value per number. */
function numbered(request: SqlRequest): { text: string; values: unknown[] } {
  const numbers = new Map<string, number>();
  const values: unknown[] = [];
  let text = request.text[0] ?? "";
  request.names.forEach((name, i) => {
    let number = numbers.get(name);
    if (number === undefined) {
      values.push(toParameter(request.values[i]));
      number = values.length;
      numbers.set(name, number);
    }
    text += `$${number}${request.text[i + 1] ?? ""}`;
  });
  return { text, values };
}

type Described = { columns?: ReadonlyArray<{ name: string; type: number }>; count?: number | null };

/** A whole result (a write runs to completion anyway), cut to `limit` rows. */
function rowsOf(result: postgres.RowList<postgres.Row[]>, limit: number): SqlRows {
  const described = result as unknown as Described;
  const columns = columnsOf(described);
  const rows = result.slice(0, limit).map((row) =>
    columns.map((column) => toJsonValue(row[column.name]))
  );
  if (columns.length > 0 || typeof described.count !== "number") return { columns, rows };
  return { columns, rows, affected: described.count };
}

async function readRows(
  query: ReturnType<postgres.TransactionSql["unsafe"]>,
  limit: number,
): Promise<SqlRows> {
  const rows: JsonValue[][] = [];
  let columns: SqlColumn[] = [];
  // Why a cursor: the server stops after `limit` rows instead of sending the whole result.
  for await (const batch of query.cursor(limit)) {
    columns = columnsOf(batch as unknown as Described);
    for (const row of batch) rows.push(columns.map((column) => toJsonValue(row[column.name])));
    break;
  }
  return { columns, rows };
}

function columnsOf(described: Described): SqlColumn[] {
  return (described.columns ?? []).map((column) => ({
    name: column.name,
    type: TYPE_NAMES[column.type] ?? `oid ${column.type}`,
  }));
}
