/**
 * Cached result validators for an upstream SDK client.
 *
 * Why: `Protocol.request()` in `@modelcontextprotocol/client` 2.4.0, called without a schema (as
 * `callTool`, `listTools`, `readResource` call it), builds a fresh validator per request through
 * `codecResultValidator`, which first probes the era codec with `validateResult(method,
 * undefined)` to learn whether the method exists in the era. That probe is a failed zod parse
 * whose error is formatted to a string: on every `tools/call`, 70–145 µs of the federated path at
 * 64 clients. The validator depends only on the codec and the method, so it is built once per
 * pair here and handed to `request()` as an explicit schema; the same codec function then checks
 * the real result exactly as before (same schema, same error text). A method outside the era, or
 * a client whose internals are not the expected shape, keeps the SDK's own path.
 */

import type { Client } from "@modelcontextprotocol/client";

/** The part of the SDK's era codec used here (`WireCodec.validateResult`). */
interface ResultCodec {
  validateResult(
    method: string,
    raw: unknown,
  ): { ok: true; value: unknown } | { ok: false; reason: string; message?: string };
}

/** A Standard Schema v1 validator, the shape `request()` accepts as its second argument. */
interface ResultValidator {
  "~standard": {
    version: 1;
    vendor: string;
    validate(value: unknown): { value: unknown } | { issues: { message: string }[] };
  };
}

type RequestFn = (request: { method: string }, second?: unknown, third?: unknown) => unknown;

/** What `request()` is reached through on the SDK's `Protocol` (not public API). */
interface ProtocolInternals {
  request: RequestFn;
  _resolveOutboundCodec?: (method: string) => ResultCodec;
}

// Why module-wide: codecs are the SDK's per-era singletons, so every client shares the cache.
const validators = new WeakMap<ResultCodec, Map<string, ResultValidator | null>>();

/** Makes `client.request()` reuse one result validator per era and method. Raises nothing. */
export function cacheResultValidators(client: Client): void {
  const internals = client as unknown as ProtocolInternals;
  if (typeof internals._resolveOutboundCodec !== "function") return;
  const original = internals.request.bind(client) as RequestFn;
  const resolveCodec = internals._resolveOutboundCodec.bind(client);
  internals.request = function request(message, second, third) {
    if (isStandardSchema(second)) return original(message, second, third);
    const validator = validatorFor(resolveCodec(message.method), message.method);
    return validator === null
      ? original(message, second, third)
      : original(message, validator, second);
  };
}

function validatorFor(codec: ResultCodec, method: string): ResultValidator | null {
  let byMethod = validators.get(codec);
  if (byMethod === undefined) {
    byMethod = new Map();
    validators.set(codec, byMethod);
  }
  let validator = byMethod.get(method);
  if (validator === undefined) {
    validator = buildValidator(codec, method);
    byMethod.set(method, validator);
  }
  return validator;
}

/** `codecResultValidator` of the SDK, probed once; null where the SDK answers "not in era". */
function buildValidator(codec: ResultCodec, method: string): ResultValidator | null {
  const probe = codec.validateResult(method, undefined);
  if (!probe.ok && probe.reason === "not-in-era") return null;
  return {
    "~standard": {
      version: 1,
      vendor: "mcp-wire-codec",
      validate(value) {
        const outcome = codec.validateResult(method, value);
        if (outcome.ok) return { value: outcome.value };
        const message = outcome.reason === "invalid"
          ? outcome.message ?? "invalid"
          : `not-in-era: ${method}`;
        return { issues: [{ message }] };
      },
    },
  };
}

function isStandardSchema(value: unknown): boolean {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  const standard = (value as { "~standard"?: { validate?: unknown } })["~standard"];
  return typeof standard?.validate === "function";
}
