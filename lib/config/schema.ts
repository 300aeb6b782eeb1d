/**
 * The one schema for gateway configuration, and the table that names each key's env variable.
 */

import { z } from "zod";

const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** Gateway configuration after validation; secrets are wrapped by `loadConfig`. */
export const configSchema = z.strictObject({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  toolsDir: z.string().min(1).default("./tools"),
  dataDir: z.string().min(1).default("./.nexus"),
  databaseUrl: z.string().url().optional(),
  redisUrl: z.string().url().optional(),
  masterKey: z.string().min(1).optional(),
  allowedOrigins: z.array(z.string().min(1)).default([]),
  allowedHosts: z.array(z.string().min(1)).default([]),
  maxBodyBytes: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  logLevel: z.enum(LOG_LEVELS).default("info"),
  toolsPageSize: z.coerce.number().int().min(1).max(1000).default(100),
  listTtlMs: z.coerce.number().int().min(0).default(60_000),
  hotReload: z.preprocess(parseBoolean, z.boolean()).default(true),
  maxListenStreams: z.coerce.number().int().min(1).default(1024),
  demoApi: z.preprocess(parseBoolean, z.boolean()).default(true),
});

/** Validated gateway configuration. */
export type RawConfig = z.infer<typeof configSchema>;

/** The environment variable behind each config key; keys absent here are file-only. */
export const ENV_NAMES: Readonly<Record<keyof RawConfig, string>> = {
  host: "NEXUS_HOST",
  port: "NEXUS_PORT",
  toolsDir: "NEXUS_TOOLS_DIR",
  dataDir: "NEXUS_DATA_DIR",
  databaseUrl: "NEXUS_DATABASE_URL",
  redisUrl: "NEXUS_REDIS_URL",
  masterKey: "NEXUS_MASTER_KEY",
  allowedOrigins: "NEXUS_ALLOWED_ORIGINS",
  allowedHosts: "NEXUS_ALLOWED_HOSTS",
  maxBodyBytes: "NEXUS_MAX_BODY_BYTES",
  logLevel: "NEXUS_LOG_LEVEL",
  toolsPageSize: "NEXUS_TOOLS_PAGE_SIZE",
  listTtlMs: "NEXUS_LIST_TTL_MS",
  hotReload: "NEXUS_HOT_RELOAD",
  maxListenStreams: "NEXUS_MAX_LISTEN_STREAMS",
  demoApi: "NEXUS_DEMO_API",
};

/** Keys whose env value is a comma-separated list. */
export const LIST_KEYS: ReadonlySet<keyof RawConfig> = new Set(["allowedOrigins", "allowedHosts"]);

function parseBoolean(value: unknown): unknown {
  if (value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  return value;
}
