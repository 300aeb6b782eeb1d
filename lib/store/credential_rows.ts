/**
 * Row mapping shared by both dialects (they return the same snake_case columns), and the errors
 * both raise.
 */

import { GatewayError } from "../errors.ts";
import type {
  CredentialEventRow,
  CredentialRow,
  CredentialStateRow,
  CredentialVersionRow,
  SealedRef,
} from "./credentials.ts";

/** A database row as a driver returns it. */
export type Row = Record<string, unknown>;

/** Parses a bigint column (postgres.js returns text) or an integer into a number. */
export function toNumber(value: unknown): number {
  return typeof value === "number" ? value : Number(value);
}

/** Like {@linkcode toNumber}, keeping SQL NULL as `null`. */
export function toNumberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : toNumber(value);
}

/** A column holding bytes as a plain `Uint8Array` (postgres.js returns a Buffer). */
export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  throw new TypeError("Expected a bytes column");
}

/** A `credentials` row. */
export function toCredential(row: Row): CredentialRow {
  return {
    id: String(row.id),
    name: String(row.name),
    activeVersion: toNumber(row.active_version),
    rotateEveryMs: toNumberOrNull(row.rotate_every_ms),
    graceMs: toNumber(row.grace_ms),
    createdAt: toNumber(row.created_at),
    createdBy: String(row.created_by),
    updatedAt: toNumber(row.updated_at),
    updatedBy: String(row.updated_by),
  };
}

/** A `credential_versions` row. */
export function toVersion(row: Row): CredentialVersionRow {
  return {
    credentialId: String(row.credential_id),
    version: toNumber(row.version),
    kind: String(row.kind),
    config: String(row.config),
    sealed: toBytes(row.sealed),
    kekVersion: toNumber(row.kek_version),
    sealFormat: toNumber(row.seal_format),
    createdAt: toNumber(row.created_at),
    createdBy: String(row.created_by),
    retiredAt: toNumberOrNull(row.retired_at),
  };
}

/** A `credential_state` row. */
export function toState(row: Row): CredentialStateRow {
  return {
    credentialId: String(row.credential_id),
    credentialVersion: toNumber(row.credential_version),
    stateVersion: toNumber(row.state_version),
    sealed: row.sealed === null ? null : toBytes(row.sealed),
    kekVersion: toNumberOrNull(row.kek_version),
    sealFormat: toNumberOrNull(row.seal_format),
    updatedAt: toNumber(row.updated_at),
  };
}

/** A `credential_events` row. */
export function toEvent(row: Row): CredentialEventRow {
  return {
    credentialId: String(row.credential_id),
    credentialName: String(row.credential_name),
    action: String(row.action),
    version: toNumberOrNull(row.version),
    actor: String(row.actor),
    at: toNumber(row.at),
  };
}

/** A sealed version blob joined with its credential's name, for key rotation and re-sealing. */
export function toVersionRef(row: Row): SealedRef {
  return {
    slot: "version",
    credentialId: String(row.credential_id),
    name: String(row.name),
    version: toNumber(row.version),
    kind: String(row.kind),
    config: String(row.config),
    kekVersion: toNumber(row.kek_version),
    sealFormat: toNumber(row.seal_format),
    sealed: toBytes(row.sealed),
  };
}

/** A sealed state blob joined with its version and name, for key rotation and re-sealing. */
export function toStateRef(row: Row): SealedRef {
  return {
    slot: "state",
    credentialId: String(row.credential_id),
    name: String(row.name),
    version: toNumber(row.credential_version),
    kind: String(row.kind),
    config: String(row.config),
    stateVersion: toNumber(row.state_version),
    kekVersion: toNumber(row.kek_version),
    sealFormat: toNumber(row.seal_format),
    sealed: toBytes(row.sealed),
  };
}

/** The error for a credential name that is already in use. */
export function nameTaken(name: string): GatewayError {
  return new GatewayError(
    "INVALID_INPUT",
    `Cannot create credential "${name}": a credential with that name exists`,
  );
}

/** The error for a credential id that no longer exists. */
export function notFound(id: string): GatewayError {
  return new GatewayError("NOT_FOUND", `Credential not found: id ${id}`);
}

/** The error for a refresh lock another instance held longer than `waitMs`. */
export function lockTimeout(waitMs: number): GatewayError {
  return new GatewayError(
    "UPSTREAM_TIMEOUT",
    `Credential refresh did not finish within ${waitMs} ms: another instance holds it`,
  );
}
