/**
 * A value that must never be printed: `toJSON`, `toString` and Deno's inspector all show
 * `[redacted]`; the value is read only through `reveal()` at the moment it is used.
 */

const REDACTED = "[redacted]";

/** A secret string that redacts itself everywhere except `reveal()`. */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret value; call only where it is injected into an outbound request. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for("Deno.customInspect")](): string {
    return REDACTED;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}

/** The text every redacted value is replaced with. */
export const REDACTED_TEXT = REDACTED;
