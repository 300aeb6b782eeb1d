/**
 * `baseUrl: { fromCredential, allow }`: a tool file whose base URL is a field of each tool's own
 * credential (a Jira site, a ServiceNow instance, Salesforce's `instance_url` from the token
 * response). The tool author still bounds where calls may go: the field's origin must match one of
 * the file's `allow` patterns, checked at call time.
 */

import { isPlainObject, unknownKeys } from "./fields.ts";
import type { CredentialBase } from "./types.ts";

/** Read by `baseUrl` templates; tests pass `(name) => map.get(name)`. */
type GetEnv = (name: string) => string | undefined;

/** The host stand-in of a credential-based URL: `https://<credential>.credential.invalid`. */
export const CREDENTIAL_HOST_SUFFIX = ".credential.invalid";

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ORIGIN_PATTERN = /^(https?):\/\/(\*\.)?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?::(\d{1,5}))?$/;
const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * The stand-in origin a credential-based tool URL is stored with. Why a stand-in: the origin a
 * call goes to is known only once its credential is resolved, while limits (`perHost`, backend
 * quotas) need a stable key per backend at load; `.invalid` (RFC 2606) can never resolve, and the
 * executor replaces it before anything is sent.
 */
export function credentialOrigin(credential: string): string {
  return `https://${credential}${CREDENTIAL_HOST_SUFFIX}`;
}

/** Whether a URL's origin is a credential stand-in (never sent, never an egress origin). */
export function isCredentialOrigin(origin: string): boolean {
  return origin.startsWith("https://") && origin.endsWith(CREDENTIAL_HOST_SUFFIX);
}

/**
 * Whether `origin` (`https://acme.atlassian.net`) matches one of `patterns`: exact origins, or
 * `scheme://*.domain[:port]`, which matches any host below `domain` (not `domain` itself).
 */
export function originAllowed(origin: string, patterns: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return patterns.some((pattern) => {
    const match = ORIGIN_PATTERN.exec(pattern);
    if (match === null || `${match[1]}:` !== url.protocol) return false;
    const port = match[4] ?? "";
    const defaultPort = url.protocol === "https:" ? "443" : "80";
    if ((url.port || defaultPort) !== (port || defaultPort)) return false;
    const domain = (match[3] ?? "").toLowerCase();
    const host = url.hostname.toLowerCase();
    return match[2] === undefined ? host === domain : host.endsWith(`.${domain}`);
  });
}

/**
 * Reads the mapping form of `baseUrl`; `${VAR}` / `${VAR:-default}` may appear in `allow`
 * entries (an entry empty after substitution is dropped, so `${NEXUS_TOOL_JIRA_ORIGIN:-}` adds an
 * origin only when the variable is set). Returns false after reporting problems.
 */
export function readCredentialBase(
  value: Record<string, unknown>,
  options: { getEnv: GetEnv; envAllowed?: (name: string) => boolean },
  report: (path: readonly (string | number)[], message: string) => void,
): CredentialBase | false {
  let failed = false;
  for (const problem of unknownKeys(value, ["fromCredential", "allow"], ["baseUrl"])) {
    failed = true;
    report(problem.path, problem.message);
  }
  const field = value.fromCredential;
  if (typeof field !== "string" || !FIELD_NAME.test(field)) {
    failed = true;
    report(
      ["baseUrl", "fromCredential"],
      "baseUrl.fromCredential must name a credential field, such as baseUrl or instance_url",
    );
  }
  const allow = readAllow(value.allow, options, (message) => {
    failed = true;
    report(["baseUrl", "allow"], message);
  });
  if (failed || allow === undefined) return false;
  return { field: field as string, allow };
}

function readAllow(
  value: unknown,
  options: { getEnv: GetEnv; envAllowed?: (name: string) => boolean },
  report: (message: string) => void,
): string[] | undefined {
  const shape = "baseUrl.allow must be a list of origins such as https://*.atlassian.net";
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== "string")) {
    return void report(shape);
  }
  const allow: string[] = [];
  for (const template of value as string[]) {
    const refused: string[] = [];
    const entry = template.trim().replace(ENV_REFERENCE, (_m, name: string, fallback?: string) => {
      if (options.envAllowed !== undefined && !options.envAllowed(name)) refused.push(name);
      const found = options.envAllowed?.(name) === false ? undefined : options.getEnv(name);
      return found !== undefined && found !== "" ? found : fallback ?? "";
    }).replace(/\/+$/, "");
    if (refused.length > 0) {
      return void report(
        `baseUrl.allow: environment variable ${refused.join(", ")} is not readable by tool ` +
          "files: give it the tool prefix (toolEnvPrefix, default NEXUS_TOOL_) or list it in toolEnv",
      );
    }
    if (entry === "") continue;
    // Why the template in the message: a substituted value may be a secret in the wrong variable.
    if (!ORIGIN_PATTERN.test(entry)) {
      return void report(`baseUrl.allow: not an origin (scheme://host[:port]): ${template}`);
    }
    allow.push(entry);
  }
  if (allow.length === 0) return void report(`${shape}; none is left after substitution`);
  return allow;
}

/** Whether a `baseUrl` value is the mapping form. */
export function isCredentialBaseValue(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value);
}
