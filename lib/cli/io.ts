/**
 * Command output: results on stdout, diagnostics on stderr (never mixed: stdio mode owns stdout).
 */

import { parseArgs, type ParseArgsConfig } from "node:util";

const encoder = new TextEncoder();
// C0 controls but tab and newline, DEL, and C1 controls (U+009B alone starts an ANSI sequence).
// deno-lint-ignore no-control-regex
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// deno-lint-ignore no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Writes one line to stdout, without terminal control characters. */
export function writeOut(text: string): void {
  Deno.stdout.writeSync(encoder.encode(printable(text) + "\n"));
}

/** Writes one line to stderr, without terminal control characters. */
export function writeErr(text: string): void {
  Deno.stderr.writeSync(encoder.encode(printable(text) + "\n"));
}

/**
 * `text` without control characters that could drive the operator's terminal (escape sequences);
 * tabs and newlines stay. Every line the CLI writes goes through this, so a name a client chose
 * (a tool, a client, an audit field) can never reach the terminal as a command.
 */
export function printable(text: string): string {
  return text.replace(TERMINAL_CONTROL, "\uFFFD");
}

/** `text` on one line: every control character, newlines included, shown as U+FFFD. */
export function oneLine(text: string): string {
  return text.replace(ANY_CONTROL, "\uFFFD");
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
