/**
 * Credential rows read from the columns both dialects return, and the errors the repository
 * raises.
 */

import { GatewayError } from "../errors.ts";
import type {
  CredentialEventRow,
  CredentialRow,
  CredentialStateRow,
  CredentialVersionRow,
  SealedRecord,
  SealedRef,
} from "./credentials.ts";
import type { Row } from "./dialect.ts";
import { bytes, int, orNull, rowReader, text } from "./rows.ts";

/** A `credentials` row. */
export const toCredential: (row: Row) => CredentialRow = rowReader<CredentialRow>({
  id: text,
  name: text,
  activeVersion: int,
  rotateEveryMs: orNull(int),
  graceMs: int,
  createdAt: int,
  createdBy: text,
  updatedAt: int,
  updatedBy: text,
});

/** A `credential_versions` row. */
export const toVersion: (row: Row) => CredentialVersionRow = rowReader<CredentialVersionRow>({
  credentialId: text,
  version: int,
  kind: text,
  config: text,
  sealed: bytes,
  kekVersion: int,
  sealFormat: int,
  createdAt: int,
  createdBy: text,
  retiredAt: orNull(int),
});

/** A `credential_state` row. */
export const toState: (row: Row) => CredentialStateRow = rowReader<CredentialStateRow>({
  credentialId: text,
  credentialVersion: int,
  stateVersion: int,
  sealed: orNull(bytes),
  kekVersion: orNull(int),
  sealFormat: orNull(int),
  updatedAt: int,
});

/** A `credential_events` row. */
export const toEvent: (row: Row) => CredentialEventRow = rowReader<CredentialEventRow>({
  credentialId: text,
  credentialName: text,
  action: text,
  version: orNull(int),
  actor: text,
  at: int,
});

const toRecord = rowReader<SealedRecord>({
  credentialId: text,
  name: text,
  version: int,
  kind: text,
  config: text,
  kekVersion: int,
  sealFormat: int,
  sealed: bytes,
});

/** A sealed version blob joined with its credential's name, for key rotation and re-sealing. */
export function toVersionRef(row: Row): SealedRef {
  return { slot: "version", ...toRecord(row) };
}

/** A sealed state blob (with `state_version`) joined with its version and name. */
export function toStateRef(row: Row): SealedRef {
  return { slot: "state", ...toRecord(row), stateVersion: int(row.state_version, "state_version") };
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
