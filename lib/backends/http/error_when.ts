/**
 * `response.errorWhen` and the dot paths pagination reads: finds a value in a JSON answer, and
 * turns a 2xx answer whose marker matches (Slack's `{"ok": false, "error": "…"}`) into an
 * `UPSTREAM_ERROR`, which reaches the model as an `isError` result with the vendor's own text.
 */

import { GatewayError } from "../../errors.ts";
import type { HttpErrorWhen, JsonValue } from "../../registry/types.ts";
import { isJsonObject } from "./select.ts";

const MESSAGE_CHARS = 500;

/** The value at a dot path (`response_metadata.next_cursor`, `items.0.id`), if there is one. */
export function valueAt(value: JsonValue, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = value;
  for (const segment of path.split(".")) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)];
    else if (isJsonObject(current) && Object.hasOwn(current, segment)) current = current[segment];
    else return undefined;
  }
  return current;
}

/**
 * Throws when `body` matches the rule. The body was already scrubbed of secrets while parsing;
 * the message is cut to 500 characters like other upstream error excerpts.
 * @throws GatewayError UPSTREAM_ERROR when the value at `rule.path` deeply equals `rule.equals`.
 */
export function checkErrorWhen(
  body: JsonValue,
  rule: HttpErrorWhen | undefined,
  upstream: { status: number; headers: Headers },
): void {
  if (rule === undefined) return;
  const marker = valueAt(body, rule.path);
  if (marker === undefined || !jsonEqual(marker, rule.equals)) return;
  const detail = rule.message === undefined ? undefined : valueAt(body, rule.message);
  const text = detail === undefined || detail === null
    ? `${rule.path} is ${JSON.stringify(rule.equals)}`
    : typeof detail === "string"
    ? detail
    : JSON.stringify(detail);
  const collapsed = text.replace(/\s+/g, " ").trim();
  const chars = Array.from(collapsed);
  const excerpt = chars.length <= MESSAGE_CHARS
    ? collapsed
    : chars.slice(0, MESSAGE_CHARS).join("").trimEnd() + "…";
  throw new GatewayError("UPSTREAM_ERROR", `Upstream reported an error: ${excerpt}`, {
    data: { status: upstream.status },
    upstream,
  });
}

function jsonEqual(left: JsonValue, right: JsonValue): boolean {
  if (left === right) return true;
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length &&
      left.every((item, i) => jsonEqual(item, right[i] ?? null));
  }
  if (isJsonObject(left) && isJsonObject(right)) {
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length &&
      keys.every((key) =>
        Object.hasOwn(right, key) && jsonEqual(left[key] ?? null, right[key] ?? null)
      );
  }
  return false;
}
