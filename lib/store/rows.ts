/**
 * Reading driver rows into typed values, the same way on both dialects. The drivers differ in
 * what a column comes back as: a Postgres `bigint` (epoch ms, counts, serial ids) is a string
 * from postgres.js and a number from SQLite; `bytea` is a Buffer, a BLOB a Uint8Array; a boolean
 * is `true` or `1`. Each decoder takes either form.
 */

import type { Row } from "./dialect.ts";

/** Reads one column's value; `column` names it in the error for a wrong type. */
export type Decoder<T> = (value: unknown, column: string) => T;

/** For each field of `T`, its decoder; the column is the field name in snake_case. */
export type RowShape<T> = { readonly [K in keyof T]: Decoder<T[K]> };

/** A text column. */
export function text(value: unknown): string {
  return String(value);
}

/** An integer column (`integer`, `bigint`, `count(*)`), as a number. */
export function int(value: unknown, column: string): number {
  const parsed = typeof value === "number" ? value : Number(value);
  if (typeof value === "object" || !Number.isFinite(parsed)) {
    throw new TypeError(`Expected a number in column ${column}`);
  }
  return parsed;
}

/** A floating-point column (`double precision`, `REAL`). */
export const float: Decoder<number> = int;

/** A bytes column (`bytea`, BLOB), as a plain `Uint8Array` (never a Buffer). */
export function bytes(value: unknown, column: string): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  throw new TypeError(`Expected bytes in column ${column}`);
}

/** A boolean column (`boolean`, or 0/1 in SQLite). */
export function bool(value: unknown): boolean {
  return value === true || value === 1 || value === 1n;
}

/** The same column, keeping SQL NULL as `null`. */
export function orNull<T>(decode: Decoder<T>): Decoder<T | null> {
  return (value, column) => value === null || value === undefined ? null : decode(value, column);
}

/** A text column holding JSON. */
export function json<T>(value: unknown): T {
  return JSON.parse(String(value));
}

/** A reader of rows of shape `T`, each field from its snake_case column. */
export function rowReader<T>(shape: RowShape<T>): (row: Row) => T {
  const fields = Object.entries(shape) as [string, Decoder<unknown>][];
  const columns = fields.map(([field, decode]) => [field, snakeCase(field), decode] as const);
  return (row) => {
    const out: Record<string, unknown> = {};
    for (const [field, column, decode] of columns) out[field] = decode(row[column], column);
    return out as T;
  };
}

/** The first row read, or undefined when there is none. */
export function firstOf<T>(rows: readonly Row[], read: (row: Row) => T): T | undefined {
  return rows[0] === undefined ? undefined : read(rows[0]);
}

function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
