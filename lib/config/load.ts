/**
 * `loadConfig` is pure: it takes an env reader and the config file's text, merges them with
 * precedence env > file > default, and either returns a config or lists every problem with both
 * of its sources named (`NEXUS_PORT / port`).
 */

import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { GatewayError } from "../errors.ts";
import { Secret } from "../secret.ts";
import { readOtelTracing } from "./otel.ts";
import { ENV_NAMES, LIST_KEYS } from "./env_names.ts";
import { configSchema, type RawConfig } from "./schema.ts";

/** Reads one environment variable; tests pass `(name) => map.get(name)`. */
export type GetEnv = (name: string) => string | undefined;

/** Gateway configuration as the rest of the gateway sees it: secrets wrapped. */
export type Config = Omit<RawConfig, "masterKey" | "databaseUrl" | "redisUrl" | "databases"> & {
  masterKey?: Secret;
  databaseUrl?: Secret;
  redisUrl?: Secret;
  /** Databases SQL tools query, each URL wrapped. */
  databases: DatabaseConfig[];
  /** Deno's OpenTelemetry exports traces (`OTEL_DENO=true`, README "Observability"); absent: off. */
  otelTracing?: boolean;
};

/** One `databases:` entry as the gateway sees it: the URL (it holds the password) wrapped. */
export type DatabaseConfig = Omit<RawConfig["databases"][number], "url"> & { url: Secret };

/**
 * Builds the gateway config from the environment and an optional YAML file text.
 * @throws GatewayError INVALID_CONFIG listing every problem, one per line.
 */
export function loadConfig(getEnv: GetEnv, fileText?: string, fileName = "nexus.yaml"): Config {
  const fromFile = parseConfigFile(fileText, fileName);
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [key, envName] of Object.entries(ENV_NAMES) as [keyof RawConfig, string][]) {
    const value = getEnv(envName);
    if (value === undefined || value === "") continue;
    merged[key] = LIST_KEYS.has(key) ? splitList(value) : value;
  }
  const missing = expandDatabaseUrls(merged, getEnv);
  if (missing.length > 0) {
    const lines = missing.map((name) =>
      `${fileName}: databases: environment variable ${name} is not set`
    );
    throw new GatewayError("INVALID_CONFIG", `Invalid configuration:\n  ${lines.join("\n  ")}`, {
      data: { problems: lines },
    });
  }
  const otel = readOtelTracing(getEnv);
  if (otel.problem !== undefined) {
    throw new GatewayError("INVALID_CONFIG", `Invalid configuration:\n  ${otel.problem}`, {
      data: { problems: [otel.problem] },
    });
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw configError(parsed.error, fileName);
  return { ...wrapSecrets(parsed.data), ...(otel.enabled ? { otelTracing: true } : {}) };
}

function parseConfigFile(fileText: string | undefined, fileName: string): Record<string, unknown> {
  if (fileText === undefined || fileText.trim() === "") return {};
  let value: unknown;
  try {
    value = parseYaml(fileText);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new GatewayError("INVALID_CONFIG", `Cannot read config: ${fileName}: ${reason}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("INVALID_CONFIG", `Cannot read config: ${fileName}: expected a mapping`);
  }
  return value as Record<string, unknown>;
}

/**
 * Fills `${VAR}` in each `databases[].url` from the environment, so a password stays out of the
 * config file; returns the names of variables that are not set.
 */
function expandDatabaseUrls(merged: Record<string, unknown>, getEnv: GetEnv): string[] {
  const missing: string[] = [];
  if (!Array.isArray(merged.databases)) return missing;
  merged.databases = merged.databases.map((entry: unknown) => {
    if (typeof entry !== "object" || entry === null || !("url" in entry)) return entry;
    const { url } = entry as { url: unknown };
    if (typeof url !== "string") return entry;
    const expanded = url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
      const value = getEnv(name);
      if (value === undefined || value === "") missing.push(name);
      return value ?? "";
    });
    return { ...entry, url: expanded };
  });
  return missing;
}

function splitList(value: string): string[] {
  return value.split(",").map((part) => part.trim()).filter((part) => part !== "");
}

function configError(error: z.ZodError, fileName: string): GatewayError {
  const lines = error.issues.map((issue) => {
    const key = String(issue.path[0] ?? "");
    const envName = ENV_NAMES[key as keyof RawConfig];
    const source = envName ? `${envName} / ${key}` : `${fileName}: ${issue.path.join(".")}`;
    if (issue.code === "unrecognized_keys") {
      return `${fileName}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    }
    return `${source}: ${issue.message}`;
  });
  return new GatewayError("INVALID_CONFIG", `Invalid configuration:\n  ${lines.join("\n  ")}`, {
    data: { problems: lines },
  });
}

function wrapSecrets(raw: RawConfig): Config {
  const { masterKey, databaseUrl, redisUrl, databases, ...rest } = raw;
  return {
    ...rest,
    databases: databases.map((database) => ({ ...database, url: new Secret(database.url) })),
    masterKey: masterKey === undefined ? undefined : new Secret(masterKey),
    databaseUrl: databaseUrl === undefined ? undefined : new Secret(databaseUrl),
    redisUrl: redisUrl === undefined ? undefined : new Secret(redisUrl),
  };
}
