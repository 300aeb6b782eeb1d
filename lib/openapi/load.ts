/**
 * Reads an OpenAPI 3.0/3.1 or Swagger 2.0 description (JSON or YAML, a file or a URL) with
 * `@apidevtools/swagger-parser`, which pulls every external `$ref` (relative files, URLs) into one
 * document. Internal `$ref`s are left in place and resolved by `refs.ts`, which keeps their names
 * for describing recursion.
 */

import SwaggerParser from "@apidevtools/swagger-parser";
import { GatewayError } from "../errors.ts";
import { isObject, type SpecVersion, specVersionOf } from "./doc.ts";
import type { JsonObject } from "../registry/mod.ts";

/** A loaded description: one document with only internal `$ref`s left. */
export interface LoadedSpec {
  doc: JsonObject;
  version: SpecVersion;
  /** The file path or URL it was read from. */
  source: string;
}

/**
 * Reads and bundles a description.
 * @throws GatewayError INVALID_INPUT when it cannot be read or parsed, or is not OpenAPI 2.0-3.1.
 */
export async function loadSpec(source: string): Promise<LoadedSpec> {
  let bundled: unknown;
  try {
    // Why bundle, not dereference: a dereferenced recursive schema is a cyclic object graph with
    // its names gone; bundled `#/components/...` refs let the converter cut recursion by name.
    bundled = await SwaggerParser.bundle(source, {
      resolve: {
        // Why: a description fetched from a URL must not pull the operator's own files into the
        // tool file (`$ref: file:///…`); one read from disk may ref its neighbours.
        ...(/^https?:\/\//i.test(source) ? { file: false as const } : {}),
        http: { safeUrlResolver: !isInternalUrl(source) },
      },
    });
  } catch (error) {
    throw new GatewayError("INVALID_INPUT", `Cannot import "${source}": ${reasonOf(error)}`);
  }
  const doc = isObject(bundled) ? bundled : {};
  const version = specVersionOf(doc);
  if (version === undefined) {
    throw new GatewayError(
      "INVALID_INPUT",
      `Cannot import "${source}": not an OpenAPI 3.0, 3.1 or Swagger 2.0 description`,
    );
  }
  return { doc, version, source };
}

/**
 * Whether the description itself lives on a loopback or private-network host. Why: the parser
 * refuses `$ref`s to internal hosts (a public description must not make the operator's machine
 * fetch from its own network); a description the operator fetched from an internal host chose
 * that network already, so its refs may stay there.
 */
function isInternalUrl(source: string): boolean {
  let host: string;
  try {
    host = new URL(source).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return false;
  }
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" ||
    /^(127|10)\./.test(host) || /^192\.168\./.test(host) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(host);
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split("\n").find((line) => line.trim() !== "") ?? message;
  return first.replace(/\s+/g, " ").trim().slice(0, 500);
}
