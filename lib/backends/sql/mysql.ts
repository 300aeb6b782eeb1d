/**
 * The MySQL/MariaDB driver (mysql2): a lazily connecting pool per database; each query a
 * server-side prepared statement (values bound, never spliced) in its own transaction
 * (`START TRANSACTION READ ONLY` unless the tool writes) under a statement timeout. Rows past
 * `fetchRows` are read off the wire and dropped, never kept.
 */

// @ts-types="./mysql2_types.d.ts"
import { createPool } from "mysql2/promise";
import type { PoolConnection } from "./mysql2_types.d.ts";
import type { JsonValue } from "../../registry/types.ts";
import type { DatabaseDriver, DatabaseSettings, SqlColumn, SqlRequest, SqlRows } from "./driver.ts";
import { isoDateText, toJsonValue, toParameter } from "./values.ts";

const BINARY_CHARSET = 63;
const TIMESTAMP = 7;
const DATE_TYPES = new Set([7, 10, 12, 14]);
// The protocol's column type codes (MySQL `enum_field_types`).
const TYPE_NAMES = new Map<number, string>([
  [0, "decimal"],
  [1, "tinyint"],
  [2, "smallint"],
  [3, "int"],
  [4, "float"],
  [5, "double"],
  [6, "null"],
  [7, "timestamp"],
  [8, "bigint"],
  [9, "mediumint"],
  [10, "date"],
  [11, "time"],
  [12, "datetime"],
  [13, "year"],
  [15, "varchar"],
  [16, "bit"],
  [245, "json"],
  [246, "decimal"],
  [247, "enum"],
  [248, "set"],
  [249, "tinyblob"],
  [250, "mediumblob"],
  [251, "longblob"],
  [252, "blob"],
  [253, "varchar"],
  [254, "char"],
  [255, "geometry"],
]);

/** The callback connection under the promise wrapper: its `execute` streams rows as events. */
interface StreamingConnection {
  execute(sql: string, values: unknown[]): {
    on(event: string, listener: (value: never) => void): unknown;
  };
}

interface Field {
  name: string;
  columnType?: number;
  type?: number;
  characterSet?: number;
}

/** Opens a pool for one MySQL or MariaDB database; connections are made on first use. */
export function createMysqlDriver(settings: DatabaseSettings): DatabaseDriver {
  const pool = createPool({
    uri: settings.url.reveal().replace(/^mariadb:/, "mysql:"),
    connectionLimit: settings.maxConnections,
    maxIdle: settings.maxConnections,
    idleTimeout: 60_000,
    connectTimeout: 10_000,
    // Why strings: BIGINT and DECIMAL lose digits as JS numbers; dates stay as the server wrote
    // them (made ISO 8601 below) instead of being read in the gateway host's zone.
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    multipleStatements: false,
  });
  // Why: TIMESTAMP values are then UTC, so they can carry a "Z".
  pool.pool.on("connection", (connection) => connection.query("SET time_zone = '+00:00'"));
  let flavour: Promise<"mariadb" | "mysql"> | undefined;
  return {
    async run(request) {
      const connection = await pool.getConnection();
      flavour ??= connection.query("SELECT VERSION() AS v").then(([rows]) =>
        /mariadb/i.test(String((rows as Array<{ v: unknown }>)[0]?.v)) ? "mariadb" : "mysql"
      );
      return await runQuery(connection, request, await flavour);
    },
    close: () => pool.end(),
  };
}

async function runQuery(
  connection: PoolConnection,
  request: SqlRequest,
  flavour: "mariadb" | "mysql",
): Promise<SqlRows> {
  const destroy = () => connection.destroy();
  request.signal.addEventListener("abort", destroy, { once: true });
  let healthy = true;
  try {
    await connection.query(request.write ? "START TRANSACTION" : "START TRANSACTION READ ONLY");
    const ms = Math.max(1, Math.round(request.timeoutMs));
    let text = request.text.join("?");
    // Why two forms: MariaDB bounds any statement with SET STATEMENT max_statement_time (seconds);
    // MySQL's max_execution_time (ms) bounds SELECT only.
    if (flavour === "mariadb") text = `SET STATEMENT max_statement_time=${ms / 1000} FOR ${text}`;
    else await connection.query(`SET SESSION max_execution_time = ${ms}`);
    const rows = await streamRows(connection, text, request);
    await connection.query("COMMIT");
    return rows;
  } catch (error) {
    healthy = false;
    throw error;
  } finally {
    request.signal.removeEventListener("abort", destroy);
    if (healthy) connection.release();
    else await rollbackOrDrop(connection, request.signal);
  }
}

async function rollbackOrDrop(connection: PoolConnection, signal: AbortSignal) {
  if (signal.aborted) return;
  try {
    await connection.query("ROLLBACK");
    connection.release();
  } catch {
    connection.destroy();
  }
}

function streamRows(
  connection: PoolConnection,
  text: string,
  request: SqlRequest,
): Promise<SqlRows> {
  const values = request.values.map((value) =>
    typeof value === "boolean" ? value : toParameter(value)
  );
  return new Promise((resolve, reject) => {
    let columns: SqlColumn[] = [];
    let fields: Field[] = [];
    let affected: number | undefined;
    const rows: JsonValue[][] = [];
    const core = connection.connection as unknown as StreamingConnection;
    const command = core.execute(text, values);
    command.on("fields", (list: Field[]) => {
      fields = list ?? [];
      columns = fields.map(columnOf);
    });
    command.on("result", (row: unknown) => {
      if (fields.length === 0) {
        const header = row as { affectedRows?: number };
        if (typeof header.affectedRows === "number") affected = header.affectedRows;
        return;
      }
      if (rows.length >= request.fetchRows) return;
      const record = row as Record<string, unknown>;
      rows.push(fields.map((field) => valueOf(record[field.name], field)));
    });
    command.on("error", reject);
    command.on(
      "end",
      () => resolve({ columns, rows, ...(affected === undefined ? {} : { affected }) }),
    );
  });
}

function columnOf(field: Field): SqlColumn {
  const code = field.columnType ?? field.type ?? -1;
  const name = TYPE_NAMES.get(code) ?? `type ${code}`;
  if (field.characterSet !== BINARY_CHARSET) {
    return { name: field.name, type: name.replace(/blob$/, "text") };
  }
  // Why: BLOB and TEXT share type codes, and so do VARBINARY and VARCHAR; the charset tells.
  const binary = name === "varchar" ? "varbinary" : name === "char" ? "binary" : name;
  return { name: field.name, type: binary };
}

function valueOf(value: unknown, field: Field): JsonValue {
  const code = field.columnType ?? field.type ?? -1;
  if (typeof value === "string" && DATE_TYPES.has(code)) {
    return isoDateText(value, code === TIMESTAMP ? "+00:00" : "");
  }
  return toJsonValue(value);
}
