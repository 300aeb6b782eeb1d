/**
 * Canonical JSON: one text per JSON value, whatever the order its object keys came in. Used where
 * equal values must give equal bytes: the audit log's argument hashes and the digest of a
 * credential's settings bound into its sealed blob (so this definition must never change).
 */

/**
 * `value` as JSON text with object keys sorted by UTF-16 code unit at every depth, no whitespace,
 * members whose value is `undefined` left out, and strings and numbers as `JSON.stringify` writes
 * them; `undefined` (and anything JSON cannot write) at the top or in an array is `null`. Raises
 * nothing for JSON data (a cycle overflows the stack).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort();
    return `{${
      keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(",")
    }}`;
  }
  return JSON.stringify(value) ?? "null";
}
