/**
 * Writing credential versions: parse the operator's secret for the kind, seal it under the primary
 * KEK bound to its record, and store it as a new credential or the next version of one.
 */

import { GatewayError } from "../errors.ts";
import type { CredentialRow, NewCredentialVersion } from "../store/mod.ts";
import { CREDENTIAL_NAME_PATTERN } from "../names.ts";
import { requireKeyring, type VaultContext } from "./context.ts";
import { completeConfig, type KindConfig, parseSecretInput } from "./kinds.ts";
import { seal, SEAL_FORMAT } from "./seal.ts";

/** Rotation policy fields of a credential. */
export type Policy = Pick<CredentialRow, "rotateEveryMs" | "graceMs">;

/**
 * Creates credential `name` with its version 1.
 * @throws GatewayError INVALID_INPUT (bad name, bad secret, name taken) or INVALID_CONFIG (no key).
 */
export async function createCredential(
  ctx: VaultContext,
  input: { name: string; config: KindConfig; secretText: string; policy: Policy; actor: string },
): Promise<void> {
  checkName(input.name);
  const id = crypto.randomUUID();
  const sealed = await sealVersion(ctx, { credentialId: id, name: input.name, version: 1 }, {
    config: input.config,
    secretText: input.secretText,
  });
  await ctx.repo.create(
    { id, name: input.name, ...input.policy },
    sealed,
    { actor: input.actor, at: ctx.now() },
  );
}

/**
 * Adds the next version of `row` with `config` and a new secret, if `row` is still current.
 * @throws GatewayError INVALID_INPUT (bad secret, or the credential changed meanwhile) or
 * INVALID_CONFIG (no key).
 */
export async function addVersion(
  ctx: VaultContext,
  row: CredentialRow,
  config: KindConfig,
  secretText: string,
  meta: { actor: string; action: string; policy: Policy },
): Promise<void> {
  const record = { credentialId: row.id, name: row.name, version: row.activeVersion + 1 };
  const sealed = await sealVersion(ctx, record, { config, secretText });
  const added = await ctx.repo.addVersion(row.id, row.activeVersion, sealed, {
    actor: meta.actor,
    at: ctx.now(),
    action: meta.action,
    policy: meta.policy,
  });
  if (!added) {
    throw new GatewayError(
      "INVALID_INPUT",
      `Cannot change credential "${row.name}": it changed meanwhile (version ${row.activeVersion} is no longer active); try again`,
    );
  }
}

async function sealVersion(
  ctx: VaultContext,
  record: { credentialId: string; name: string; version: number },
  input: { config: KindConfig; secretText: string },
): Promise<NewCredentialVersion> {
  const plain = parseSecretInput(input.config.kind, input.secretText);
  const full = completeConfig(input.config, plain);
  const kek = requireKeyring(ctx).primary();
  const config = JSON.stringify(full);
  const plaintext = new Uint8Array(new TextEncoder().encode(JSON.stringify(plain)));
  // Why the stored text, parsed: the binding must be what a reader will parse from the row.
  const binding = {
    ...record,
    kind: full.kind,
    config: JSON.parse(config),
    slot: "secret" as const,
  };
  const sealed = await seal(plaintext, binding, kek);
  plaintext.fill(0);
  return { kind: full.kind, config, sealed, kekVersion: kek.version, sealFormat: SEAL_FORMAT };
}

function checkName(name: string): void {
  if (CREDENTIAL_NAME_PATTERN.test(name)) return;
  throw new GatewayError(
    "INVALID_INPUT",
    `Invalid credential name "${
      name.slice(0, 80)
    }": use 1-64 lower-case letters, digits, _ and -, starting with a letter or digit`,
  );
}
