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
  if (typeof value !== "object" || value === null) return JSON.stringify(value) ?? "null";
  // Why loops and string appends, not map/filter/join: it runs for every cached call's key and
  // every audit row, and the intermediate arrays were most of its cost (the output is the same).
  if (Array.isArray(value)) {
    let text = "[";
    for (let index = 0; index < value.length; index++) {
      if (index > 0) text += ",";
      // Why: `map` skips the holes of a sparse array and `join` writes them as nothing.
      if (index in value) text += canonicalJson(value[index]);
    }
    return `${text}]`;
  }
  const record = value as Record<string, unknown>;
  let text = "{";
  for (const key of Object.keys(record).sort()) {
    const member = record[key];
    if (member === undefined) continue;
    if (text.length > 1) text += ",";
    text += `${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${text}}`;
}
