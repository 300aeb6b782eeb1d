/**
 * Executes one call of a SQL tool: binds the validated arguments to the query's placeholders,
 * runs it on the database's pool under the statement timeout (plus a grace for waiting on a
 * connection), and shapes the rows into the result.
 */

import { GatewayError } from "../../errors.ts";
import { debugStart } from "../../log.ts";
import type { SqlBackendSpec } from "../../registry/types.ts";
import { createDeadline, deadlineError, raceSignal } from "../deadline.ts";
import type { CallOutcome, ExecuteOptions } from "../options.ts";
import type { SqlRows } from "./driver.ts";
import { sqlError } from "./errors.ts";
import { sqlResult } from "./result.ts";

/** Time beyond the statement timeout a call may spend waiting for a connection. */
const CONNECT_GRACE_MS = 5_000;

/**
 * Runs the query and returns its rows as the result; the outcome has no `upstream`.
 * @throws GatewayError UPSTREAM_UNAVAILABLE (database not configured or unreachable),
 * UPSTREAM_TIMEOUT, UPSTREAM_ERROR (the statement failed, e.g. a write in a read-only tool) or
 * CANCELLED.
 */
export async function executeSql(
  spec: SqlBackendSpec,
  args: Record<string, unknown>,
  options: ExecuteOptions,
): Promise<CallOutcome> {
  const settings = options.databases?.settings(spec.database);
  const driver = options.databases?.driver(spec.database);
  if (settings === undefined || driver === undefined) {
    throw new GatewayError(
      "UPSTREAM_UNAVAILABLE",
      `Database "${spec.database}" is not configured (databases: in the gateway config)`,
    );
  }
  const maxRows = spec.maxRows ?? settings.maxRows;
  const timeoutMs = spec.statementTimeoutMs ?? settings.statementTimeout;
  const deadline = createDeadline(options.signal, timeoutMs + CONNECT_GRACE_MS);
  const started = debugStart(options.logger);
  let read: SqlRows;
  try {
    read = await raceSignal(
      driver.run({
        text: spec.text,
        names: spec.params,
        // Why by name from the validated arguments: a value is only ever a bound parameter.
        values: spec.params.map((name) => args[name]),
        write: spec.write,
        timeoutMs,
        fetchRows: maxRows + 1,
        signal: deadline.signal,
      }),
      deadline.signal,
    );
  } catch (error) {
    throw deadlineError(
      deadline,
      () =>
        new GatewayError("UPSTREAM_TIMEOUT", `Query did not finish within ${timeoutMs} ms`, {
          data: { database: spec.database, timeoutMs },
        }),
    ) ?? sqlError(error, settings, { timeoutMs });
  } finally {
    deadline.dispose();
    if (options.logger.debugging) {
      const ms = Math.round(performance.now() - started);
      options.logger.debug("Query finished", { database: spec.database, ms });
    }
  }
  return { result: sqlResult(read, { maxRows, maxBytes: settings.maxBytes }) };
}
