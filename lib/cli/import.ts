/**
 * `nexus import openapi SPEC`: writes the YAML tools for an OpenAPI description to stdout or
 * `--out FILE`; what was skipped, renamed or left out, and the credential commands to run, go to
 * stderr.
 */

import { isGatewayError } from "../errors.ts";
import type { ImportResult } from "../openapi/mod.ts";
import { messageOf, oneLine, parseSubcommand, writeErr } from "./io.ts";

const USAGE = `Usage: nexus import openapi SPEC [--out FILE] [--include GLOB]... [--exclude GLOB]...
                           [--prefix P] [--base-url URL] [--auth NAME]
  SPEC is a file path or an http(s) URL (OpenAPI 3.0, 3.1 or Swagger 2.0; JSON or YAML).
  Globs match an operationId, a tool name or a path: "*" within a "/" segment, "**" across.`;

const OPTIONS = {
  config: { type: "string" },
  out: { type: "string" },
  include: { type: "string", multiple: true },
  exclude: { type: "string", multiple: true },
  prefix: { type: "string" },
  "base-url": { type: "string" },
  auth: { type: "string" },
} as const;

/** Runs `nexus import …`; returns the exit code (2 for usage errors). Raises nothing. */
export async function runImport(args: string[]): Promise<number> {
  const parsed = parseSubcommand(args, OPTIONS, USAGE);
  if (parsed === undefined) return 2;
  const [kind, spec, ...extra] = parsed.positionals;
  if (kind !== "openapi" || spec === undefined || extra.length > 0) {
    writeErr(USAGE);
    return 2;
  }
  const { values } = parsed;
  const started = performance.now();
  let result: ImportResult;
  try {
    // Why a dynamic import: the parser and its dependencies load only for an import, never for
    // `serve` or any other command.
    const { importOpenApi } = await import("../openapi/mod.ts");
    result = await importOpenApi(spec, {
      include: values.include ?? [],
      exclude: values.exclude ?? [],
      ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
      ...(values["base-url"] === undefined ? {} : { baseUrl: values["base-url"] }),
      ...(values.auth === undefined ? {} : { auth: values.auth }),
    });
  } catch (error) {
    writeErr(
      isGatewayError(error) ? error.message : `Cannot import "${spec}": ${messageOf(error)}`,
    );
    return 1;
  }
  try {
    if (values.out === undefined) await writeAll(Deno.stdout, result.yaml);
    else await Deno.writeTextFile(values.out, result.yaml);
  } catch (error) {
    writeErr(`Cannot write "${values.out ?? "stdout"}": ${messageOf(error)}`);
    return 1;
  }
  report(result, Math.round(performance.now() - started), values.out);
  return 0;
}

function report(result: ImportResult, ms: number, out: string | undefined): void {
  for (const { operation, reason } of result.skipped) {
    writeErr(`skipped: ${oneLine(operation)}: ${oneLine(reason)}`);
  }
  for (const { operation, wanted, name } of result.renamed) {
    writeErr(`renamed: ${oneLine(operation)}: "${oneLine(wanted)}" is taken, named "${name}"`);
  }
  for (const { tool, note } of result.notes) writeErr(`note: ${tool}: ${oneLine(note)}`);
  for (const scheme of result.unsupportedSchemes) {
    writeErr(
      `note: security scheme "${oneLine(scheme)}" has no credential kind: tools that ` +
        `need only it have no auth`,
    );
  }
  if (result.credentials.length > 0) {
    writeErr("Store the credentials the tools name (each command reads the secret from stdin):");
    for (const plan of result.credentials) {
      writeErr(
        `  ${oneLine(plan.command)}${plan.note === undefined ? "" : `  # ${oneLine(plan.note)}`}`,
      );
    }
  }
  writeErr(
    `Imported ${result.tools} tool(s) from ${result.operations} operation(s)` +
      `${result.skipped.length > 0 ? `, ${result.skipped.length} skipped` : ""}` +
      `${result.renamed.length > 0 ? `, ${result.renamed.length} renamed` : ""} in ${ms} ms` +
      `${out === undefined ? "" : ` into ${oneLine(out)}`}`,
  );
}

async function writeAll(stream: { write(p: Uint8Array): Promise<number> }, text: string) {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += await stream.write(bytes.subarray(written));
}
