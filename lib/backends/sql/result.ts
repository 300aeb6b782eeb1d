/**
 * The tool result of a query: `structuredContent` `{ rows, rowCount, truncated, columns }` within
 * the row and byte limits, and the same rows as a compact text table for the model.
 */

import type { JsonObject, JsonValue, ToolResult } from "../../registry/types.ts";
import type { SqlRows } from "./driver.ts";

const MAX_CELL_CHARS = 80;
const encoder = new TextEncoder();

/** The result for `read`, cut at `maxRows` rows and `maxBytes` bytes of row JSON. */
export function sqlResult(
  read: SqlRows,
  limits: { maxRows: number; maxBytes: number },
): ToolResult {
  const rows: JsonObject[] = [];
  let bytes = 0;
  let truncated = read.rows.length > limits.maxRows;
  for (const values of read.rows.slice(0, limits.maxRows)) {
    const row: JsonObject = {};
    read.columns.forEach((column, i) => row[column.name] = values[i] ?? null);
    bytes += encoder.encode(JSON.stringify(row)).length + 1;
    if (bytes > limits.maxBytes) {
      truncated = true;
      break;
    }
    rows.push(row);
  }
  const rowCount = read.columns.length === 0 && read.affected !== undefined
    ? read.affected
    : rows.length;
  const structured = {
    rows,
    rowCount,
    truncated,
    columns: read.columns.map(({ name, type }) => ({ name, type })),
  };
  return {
    content: [{ type: "text", text: textTable(read, rows, { rowCount, truncated }) }],
    structuredContent: structured as unknown as JsonObject,
  };
}

function textTable(
  read: SqlRows,
  rows: readonly JsonObject[],
  summary: { rowCount: number; truncated: boolean },
): string {
  const more = summary.truncated ? " (truncated: the query returned more)" : "";
  if (read.columns.length === 0) return `${summary.rowCount} row(s) affected${more}`;
  const names = read.columns.map((column) => column.name);
  const lines = [names.join(" | ")];
  for (const row of rows) lines.push(names.map((name) => cell(row[name] ?? null)).join(" | "));
  lines.push(`(${rows.length} row(s)${more})`);
  return lines.join("\n");
}

function cell(value: JsonValue): string {
  const text = value === null ? "NULL" : typeof value === "string" ? value : JSON.stringify(value);
  const flat = text.replace(/[\r\n\t|]/g, " ");
  return flat.length > MAX_CELL_CHARS ? `${flat.slice(0, MAX_CELL_CHARS)}…` : flat;
}
