/**
 * Command output: results on stdout, diagnostics on stderr (never mixed: stdio mode owns stdout).
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const encoder = new TextEncoder();

/** Writes one line to stdout. */
export function writeOut(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text + "\n"));
}

/** Writes one line to stderr. */
export function writeErr(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text + "\n"));
}

/** The message of a thrown value, for a one-line diagnostic. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Option declarations of a subcommand, as `node:util` `parseArgs` takes them. */
type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses a subcommand's arguments (positionals allowed); on a usage error prints the error and
 * `usage` to stderr and returns `undefined`, so the caller exits 2.
 */
export function parseSubcommand<T extends OptionsConfig>(
  args: string[],
  options: T,
  usage: string,
):
  | ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: T }>>
  | undefined {
  try {
    return parseArgs({ args, allowPositionals: true, options });
  } catch (error) {
    writeErr(`${messageOf(error)}\n${usage}`);
    return undefined;
  }
}
