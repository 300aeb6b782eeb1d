/**
 * Name rules shared by the config schema, tool files and the parts that use the names, so a name
 * one of them accepts is never refused by another.
 */

/** Credential names: what `nexus credentials set` accepts and tool files may write in `auth:`. */
export const CREDENTIAL_NAME_PATTERN: RegExp = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Redis key prefixes a deployment may use: no braces, so the keys' hash tag stays ours. */
export const REDIS_PREFIX_PATTERN: RegExp = /^[A-Za-z0-9_.:-]{1,64}$/;
