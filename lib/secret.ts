/**
 * A value that must never be printed: `toJSON`, `toString` and Deno's inspector all show
 * `[redacted]`; the value is read only through `reveal()` at the moment it is used.
 */

const REDACTED = "[redacted]";

/** A secret string that redacts itself everywhere except `reveal()`. */
export class Secret {
  readonly #value: string;

  /** Wraps `value`; from here on it prints only as `[redacted]`. */
  constructor(value: string) {
    this.#value = value;
  }

  /** The secret value; call only where it is injected into an outbound request. */
  reveal(): string {
    return this.#value;
  }

  /** Returns `[redacted]`, so string interpolation never shows the value. */
  toString(): string {
    return REDACTED;
  }

  /** Returns `[redacted]`, so `JSON.stringify` (and thus the log) never shows the value. */
  toJSON(): string {
    return REDACTED;
  }

  /** Returns `[redacted]` for Deno's inspector (`Deno.inspect`, `console.log`). */
  [Symbol.for("Deno.customInspect")](): string {
    return REDACTED;
  }

  /** Returns `[redacted]` for Node's `util.inspect`, used by npm dependencies. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}

/** The text every redacted value is replaced with. */
export const REDACTED_TEXT: string = REDACTED;

// Why one rule: the log and the audit log used to keep two lists that drifted (the log missed
// camelCase names such as `clientSecret`). Plural `credentials` only: log fields name a credential
// by its non-secret name under `credential`.
const SENSITIVE_KEY =
  /pass(word|wd|phrase)?|secret|token|api[_-]?key|authorization|cookie|credentials|private[_-]?key/i;

/**
 * Whether a field or argument name suggests a secret value (`password`, `clientSecret`,
 * `x-api-key`, `Authorization`, …): the log and the audit log mask what sits under such keys.
 */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}
