/**
 * The base URL imported tools call: `--base-url`, else the description's first server (OpenAPI 3,
 * variables at their defaults) or `schemes`/`host`/`basePath` (Swagger 2.0). A relative server is
 * resolved against the description's URL when it was fetched from one.
 */

import { GatewayError } from "../errors.ts";
import type { JsonObject } from "../registry/mod.ts";
import { arrayAt, isObject, type SpecVersion, stringAt } from "./doc.ts";

/**
 * The base URL without a trailing `/`.
 * @throws GatewayError INVALID_INPUT when there is none, or it is not an absolute http(s) URL.
 */
export function resolveBaseUrl(
  doc: JsonObject,
  version: SpecVersion,
  options: { source: string; override?: string },
): string {
  const raw = options.override ?? (version === "2.0" ? swaggerBase(doc) : serverUrl(doc.servers));
  const where = options.override !== undefined ? "--base-url" : "the description's server URL";
  if (raw === undefined && /^https?:\/\//i.test(options.source)) {
    // Why: without servers (3.x) or host (2.0), the API is where its description was served from.
    return absolute("/", options.source) ?? "";
  }
  if (raw === undefined) {
    throw new GatewayError(
      "INVALID_INPUT",
      `Cannot import "${options.source}": it names no server: pass --base-url`,
    );
  }
  const resolved = absolute(raw, options.source);
  if (resolved === undefined) {
    throw new GatewayError(
      "INVALID_INPUT",
      `Cannot import "${options.source}": ${where} "${raw}" is not an absolute http(s) URL` +
        (options.override === undefined ? ": pass --base-url" : ""),
    );
  }
  return resolved;
}

/** An operation's own server (OpenAPI 3 `servers` on the operation or path), if absolute. */
export function operationServer(lists: unknown[]): string | undefined {
  for (const list of lists) {
    const url = serverUrl(list);
    if (url !== undefined) return absolute(url, "");
  }
  return undefined;
}

function serverUrl(servers: unknown): string | undefined {
  const first = arrayAt(servers).find(isObject);
  const url = stringAt(first?.url);
  if (first === undefined || url === undefined) return undefined;
  const variables = isObject(first.variables) ? first.variables : {};
  return url.replace(/\{([^{}]+)\}/g, (whole, name: string) => {
    const variable = variables[name];
    const value = isObject(variable) ? variable.default : undefined;
    return typeof value === "string" || typeof value === "number" ? String(value) : whole;
  });
}

function swaggerBase(doc: JsonObject): string | undefined {
  const host = stringAt(doc.host);
  const basePath = stringAt(doc.basePath) ?? "";
  if (host === undefined) return basePath === "" ? undefined : basePath;
  const schemes = arrayAt(doc.schemes);
  const scheme = schemes.includes("https") ? "https" : schemes.includes("http") ? "http" : "https";
  return `${scheme}://${host}${basePath.startsWith("/") || basePath === "" ? "" : "/"}${basePath}`;
}

function absolute(raw: string, source: string): string | undefined {
  let url: URL;
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? new URL(raw) : new URL(raw, source);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username !== "" || url.password !== "" || /[{}]/.test(url.href)) return undefined;
  url.search = "";
  url.hash = "";
  return url.href.replace(/\/+$/, "");
}
