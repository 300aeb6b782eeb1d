/**
 * Tool pins: the approved definition of each upstream tool (its SHA-256 over canonical JSON, and
 * the definition itself for diffs), keyed by upstream and upstream tool name. Written once on the
 * dialect seam; every gateway instance on the store sees the same pins.
 */

import { type Database, sql } from "./dialect.ts";
import { firstOf, int, rowReader, text } from "./rows.ts";

/** One approved tool definition. Times are epoch milliseconds. */
export interface ToolPinRow {
  /** The upstream's name. */
  upstream: string;
  /** The tool's name as the upstream lists it (before rename and prefix). */
  tool: string;
  /** Lower-case hex SHA-256 of the definition's canonical JSON. */
  hash: string;
  /** The approved definition as canonical JSON, for diffs. */
  definition: string;
  /** When it was approved. */
  approvedAt: number;
  /** Who approved it: an operator, or `tofu` for approval on first sight. */
  approvedBy: string;
}

/** Tool pin storage. */
export interface ToolPinRepo {
  /** Every pin of `upstream`, by tool name. */
  list(upstream: string): Promise<ToolPinRow[]>;
  /** The pin of one tool. */
  find(upstream: string, tool: string): Promise<ToolPinRow | undefined>;
  /** Stores the pin, replacing the tool's previous one. */
  approve(row: ToolPinRow): Promise<void>;
  /** Stores the pin unless the tool has one; whether it was stored (first sight wins). */
  approveFirst(row: ToolPinRow): Promise<boolean>;
}

/** The tool pin repository on an open database. Raises UPSTREAM_TIMEOUT when the file stays locked. */
export function createToolPinRepo(database: Database): ToolPinRepo {
  const db = database.scoped("change tool pins");
  return {
    async list(upstream) {
      const rows = await db.all(sql`SELECT * FROM tool_pins WHERE upstream = ${upstream}
        ORDER BY tool`);
      return rows.map(toPin);
    },
    async find(upstream, tool) {
      return firstOf(
        await db.all(sql`SELECT * FROM tool_pins WHERE upstream = ${upstream} AND tool = ${tool}`),
        toPin,
      );
    },
    async approve(row) {
      await db.run(sql`INSERT INTO tool_pins (upstream, tool, hash, definition, approved_at,
          approved_by)
        VALUES (${row.upstream}, ${row.tool}, ${row.hash}, ${row.definition}, ${row.approvedAt},
          ${row.approvedBy})
        ON CONFLICT (upstream, tool) DO UPDATE SET hash = excluded.hash,
          definition = excluded.definition, approved_at = excluded.approved_at,
          approved_by = excluded.approved_by`);
    },
    async approveFirst(row) {
      const changed = await db.run(sql`INSERT INTO tool_pins (upstream, tool, hash, definition,
          approved_at, approved_by)
        VALUES (${row.upstream}, ${row.tool}, ${row.hash}, ${row.definition}, ${row.approvedAt},
          ${row.approvedBy})
        ON CONFLICT (upstream, tool) DO NOTHING`);
      return changed > 0;
    },
  };
}

const toPin = rowReader<ToolPinRow>({
  upstream: text,
  tool: text,
  hash: text,
  definition: text,
  approvedAt: int,
  approvedBy: text,
});
