/**
 * Internal `$ref` resolution over a bundled document: JSON pointers (`#/components/schemas/Pet`)
 * followed to their target, with the name of the last reference kept for descriptions.
 */

import type { JsonObject, JsonValue } from "../registry/mod.ts";
import { isObject } from "./doc.ts";

/** A node after following its `$ref` chain, with the pointer it came through. */
export interface Resolved {
  node: JsonObject;
  /** The last `$ref` followed (`#/components/schemas/Pet`); undefined when there was none. */
  ref?: string;
  /** `$ref` siblings (3.1 `description` beside a `$ref`), to lay over the target. */
  siblings: JsonObject;
}

const MAX_CHAIN = 32;

/** Follows a node's `$ref` chain; an unresolvable or looping chain resolves to `{}`. */
export function resolveNode(doc: JsonObject, value: unknown): Resolved {
  let node: unknown = value;
  let ref: string | undefined;
  let siblings: JsonObject = {};
  for (let hops = 0; isObject(node) && typeof node.$ref === "string"; hops++) {
    if (hops === MAX_CHAIN) return { node: {}, ref, siblings };
    const { $ref, ...rest } = node;
    siblings = { ...rest, ...siblings };
    ref = $ref as string;
    node = pointerTarget(doc, ref);
  }
  return { node: isObject(node) ? node : {}, ref, siblings };
}

/** The value at a local JSON pointer (`#/a/b~1c`), or undefined. */
export function pointerTarget(doc: JsonObject, ref: string): JsonValue | undefined {
  if (!ref.startsWith("#")) return undefined;
  let pointer: string;
  try {
    pointer = decodeURIComponent(ref.slice(1));
  } catch {
    return undefined;
  }
  if (pointer === "") return doc;
  if (!pointer.startsWith("/")) return undefined;
  let node: JsonValue | undefined = doc;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

/** A readable name for a reference: the last pointer segment (`Pet`), else the pointer. */
export function refName(ref: string): string {
  const last = ref.split("/").pop() ?? ref;
  const name = last.replaceAll("~1", "/").replaceAll("~0", "~");
  return name === "" ? ref : name;
}
