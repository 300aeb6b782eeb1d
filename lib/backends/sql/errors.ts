/**
 * Turns a driver's error into a `GatewayError` the model can read: the server's own message for a
 * failed statement, a timeout as UPSTREAM_TIMEOUT, a read-only refusal said plainly, and for a
 * connection fault only its code (connection messages may name hosts and users).
 */

import { GatewayError } from "../../errors.ts";
import type { DatabaseSettings } from "./driver.ts";

interface DriverError {
  /** postgres.js: the SQLSTATE or a Node error code; mysql2: a symbolic code. */
  code?: unknown;
  /** mysql2: the server's error number. */
  errno?: unknown;
  /** mysql2: the SQLSTATE. */
  sqlState?: unknown;
  /** mysql2: the server's message. */
  sqlMessage?: unknown;
  /** postgres.js: set for errors the server sent. */
  severity?: unknown;
  message?: unknown;
}

const TIMEOUT_ERRNOS = [1969, 3024, 1317];
const READ_ONLY_ERRNO = 1792;
const UNAVAILABLE_ERRNOS = [1044, 1045, 1049, 1040, 1203];
const MAX_MESSAGE_CHARS = 500;

/** The error to answer for `error`, thrown while database `settings` ran a query. */
export function sqlError(
  error: unknown,
  settings: DatabaseSettings,
  options: { timeoutMs: number },
): GatewayError {
  const found = (typeof error === "object" && error !== null ? error : {}) as DriverError;
  const state = typeof found.sqlState === "string"
    ? found.sqlState
    : typeof found.severity === "string" && typeof found.code === "string"
    ? found.code
    : undefined;
  const errno = typeof found.errno === "number" ? found.errno : undefined;
  const text = scrub(String(found.sqlMessage ?? found.message ?? ""), settings);
  const data = { database: settings.name, ...(state === undefined ? {} : { sqlState: state }) };
  if (state === "57014" || (errno !== undefined && TIMEOUT_ERRNOS.includes(errno))) {
    const message = `Query did not finish within ${options.timeoutMs} ms`;
    return new GatewayError("UPSTREAM_TIMEOUT", message, { data: { ...data, ...options } });
  }
  if (state === "25006" || errno === READ_ONLY_ERRNO) {
    const message = `Query refused: the tool is read-only (sql.write is false): ${text}`;
    return new GatewayError("UPSTREAM_ERROR", message, { data });
  }
  if (
    state?.startsWith("08") || state?.startsWith("28") || state === "3D000" ||
    (errno !== undefined && UNAVAILABLE_ERRNOS.includes(errno))
  ) {
    return unavailable(settings, state ?? `errno ${errno}`);
  }
  if (state !== undefined) {
    return new GatewayError("UPSTREAM_ERROR", `Query failed: ${text} (SQLSTATE ${state})`, {
      data,
    });
  }
  // Why only the code: a connection error's message may carry the host, user or URL.
  return unavailable(settings, typeof found.code === "string" ? found.code : "connection failed");
}

function unavailable(settings: DatabaseSettings, reason: string): GatewayError {
  return new GatewayError(
    "UPSTREAM_UNAVAILABLE",
    `Database "${settings.name}" is unavailable: ${reason}`,
    { data: { database: settings.name } },
  );
}

/** The message without the connection URL or its password, cut to a readable length. */
function scrub(message: string, settings: DatabaseSettings): string {
  const url = settings.url.reveal();
  let text = message.split(url).join("[redacted]");
  const password = passwordOf(url);
  if (password !== undefined && password.length >= 3) {
    text = text.split(password).join("[redacted]");
  }
  text = text.replace(/\s+/g, " ").trim();
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password === "" ? undefined : decodeURIComponent(password);
  } catch {
    return undefined;
  }
}
