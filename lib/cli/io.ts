/**
 * Command output: results on stdout, diagnostics on stderr (never mixed: stdio mode owns stdout).
 */

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
