/**
 * `response.select` for HTTP tools: keeps only the listed dot paths of a JSON response, preserving
 * their nesting, so `["key", "fields.summary", "items.*.id"]` on a large issue returns
 * `{ key, fields: { summary }, items: [{ id }, …] }`.
 */

import type { JsonValue } from "../../registry/types.ts";

/** A partial copy being built; `undefined` marks "nothing selected here". */
type Picked = JsonValue | undefined | Picked[] | { [key: string]: Picked };

/**
 * Keeps the parts of `value` named by `paths`. A segment `*` maps over every element of an array
 * (or every value of an object); a numeric segment indexes an array. Paths that match nothing are
 * left out; when none match, the result is an empty object or array like `value` (else `null`).
 */
export function selectPaths(value: JsonValue, paths: readonly string[]): JsonValue {
  let selected: Picked = undefined;
  for (const path of paths) selected = mergePicked(selected, pick(value, path.split("."), 0));
  return selected === undefined ? emptyLike(value) : toJson(selected);
}

function pick(source: JsonValue, segments: readonly string[], index: number): Picked {
  if (index === segments.length) return source;
  const segment = segments[index] ?? "";
  if (segment === "*") return pickEach(source, segments, index + 1);
  if (Array.isArray(source)) {
    if (!/^\d+$/.test(segment)) return undefined;
    const position = Number(segment);
    const item = source[position];
    if (item === undefined) return undefined;
    const inner = pick(item, segments, index + 1);
    if (inner === undefined) return undefined;
    const sparse: Picked[] = new Array(position + 1).fill(undefined);
    sparse[position] = inner;
    return sparse;
  }
  if (!isJsonObject(source) || !Object.hasOwn(source, segment)) return undefined;
  const inner = pick(source[segment] ?? null, segments, index + 1);
  // Why: a computed key defines an own property, so "__proto__" stays data, not a prototype.
  return inner === undefined ? undefined : { [segment]: inner };
}

function pickEach(source: JsonValue, segments: readonly string[], index: number): Picked {
  if (Array.isArray(source)) {
    const items = source.map((item) => pick(item, segments, index));
    const any = items.length === 0 || items.some((item) => item !== undefined);
    return any ? items : undefined;
  }
  if (!isJsonObject(source)) return undefined;
  const entries = Object.entries(source)
    .map(([key, item]): [string, Picked] => [key, pick(item, segments, index)])
    .filter(([, item]) => item !== undefined);
  const isEmpty = Object.keys(source).length === 0;
  return entries.length > 0 || isEmpty ? Object.fromEntries(entries) : undefined;
}

function mergePicked(left: Picked, right: Picked): Picked {
  if (left === undefined) return right;
  if (right === undefined) return left;
  if (Array.isArray(left) && Array.isArray(right)) {
    const length = Math.max(left.length, right.length);
    return Array.from({ length }, (_, i) => mergePicked(left[i], right[i]));
  }
  if (isPickedObject(left) && isPickedObject(right)) {
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    return Object.fromEntries(
      [...keys].map((key): [string, Picked] => [key, mergePicked(left[key], right[key])]),
    );
  }
  // Why: both sides come from the same source value, so when they are not containers they are equal.
  return right;
}

function toJson(picked: Picked): JsonValue {
  if (picked === undefined) return null;
  if (Array.isArray(picked)) return picked.map(toJson);
  if (isPickedObject(picked)) {
    return Object.fromEntries(
      Object.entries(picked)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]): [string, JsonValue] => [key, toJson(item)]),
    );
  }
  return picked;
}

function emptyLike(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return [];
  return isJsonObject(value) ? {} : null;
}

/** Whether a JSON value is an object (not an array, not null). */
export function isJsonObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPickedObject(value: Picked): value is { [key: string]: Picked } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
