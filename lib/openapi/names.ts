/**
 * Names the importer makes: tool names (MCP rules), argument names (placeholder rules), credential
 * and tag names (the vault's and policies' rules), each from text the description chose.
 */

import { CREDENTIAL_NAME_PATTERN } from "../names.ts";

const TOOL_NAME_MAX = 128;
const HASH_LENGTH = 8;

/** A tool name from an `operationId`, or from method and path when there is none. */
export function baseToolName(operationId: string | undefined, method: string, path: string) {
  if (operationId !== undefined) {
    const name = squash(operationId.replace(/[^A-Za-z0-9_.-]+/g, "_"));
    if (name !== "") return name;
  }
  const words = path.split("/").map((segment) => segment.replace(/[{}]/g, ""))
    .filter((segment) => segment !== "");
  return squash([method.toLowerCase(), ...words].join("_").replace(/[^A-Za-z0-9_.-]+/g, "_")) ||
    method.toLowerCase();
}

/** `prefix` joined to `name` (with `_` unless the prefix ends in a separator), cut to 128. */
export function prefixedName(prefix: string, name: string): string {
  const joined = prefix === "" || /[_.-]$/.test(prefix) ? prefix + name : `${prefix}_${name}`;
  return fitLength(joined, TOOL_NAME_MAX);
}

/** `name` with a numeric suffix (`_2`, `_3`…) that `taken` does not hold yet, cut to 128. */
export function uniqueName(name: string, taken: ReadonlySet<string>, separator = "_"): string {
  if (!taken.has(name)) return name;
  for (let n = 2;; n++) {
    const suffix = `${separator}${n}`;
    const candidate = fitLength(name, TOOL_NAME_MAX - suffix.length) + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}

/** An argument name for a parameter: letters, digits, `_` and `-`, not starting with a digit. */
export function argName(name: string): string {
  const cleaned = squash(name.replace(/[^A-Za-z0-9_-]+/g, "_"));
  if (cleaned === "") return "arg";
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

/** A credential name (`^[a-z0-9][a-z0-9_-]{0,63}$`) from a security scheme's name. */
export function credentialName(prefix: string, scheme: string): string {
  const words = [prefix, scheme].filter((word) => word !== "").join("_").toLowerCase();
  const cleaned = squash(words.replace(/[^a-z0-9_-]+/g, "_")).replace(/^[_-]+/, "")
    .slice(0, 64).replace(/[_-]+$/, "");
  return CREDENTIAL_NAME_PATTERN.test(cleaned) ? cleaned : "api";
}

/** A tag word (`^[a-z0-9][a-z0-9_.-]{0,62}$`) from an OpenAPI tag, or undefined. */
export function tagName(tag: string): string | undefined {
  const cleaned = tag.toLowerCase().replace(/[^a-z0-9_.-]+/g, "-").replace(/^[^a-z0-9]+/, "")
    .slice(0, 63).replace(/[-]+$/, "");
  return cleaned === "" ? undefined : cleaned;
}

/** `name` cut to `max` characters; a cut name ends in a hash of the whole, so cuts stay apart. */
function fitLength(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = fnv1a(name).toString(16).padStart(HASH_LENGTH, "0");
  return `${name.slice(0, max - HASH_LENGTH - 1)}_${hash}`;
}

function squash(text: string): string {
  return text.replace(/_{2,}/g, "_").replace(/^_+|_+$/g, "");
}

/** FNV-1a, 32 bits: a short stable hash, not a security measure. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
