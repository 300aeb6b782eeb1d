/**
 * Writing credential versions: parse the operator's secret for the kind, seal it under the primary
 * KEK bound to its record, and store it as a new credential or the next version of one.
 */

import { GatewayError } from "../errors.ts";
import type { CredentialRow } from "../store/mod.ts";
import { CREDENTIAL_NAME, requireKeyring, type VaultContext } from "./context.ts";
import { completeConfig, type KindConfig, parseSecretInput } from "./kinds.ts";
import { seal } from "./seal.ts";

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
  const sealed = await sealVersion(ctx, id, 1, input.config, input.secretText);
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
  const sealed = await sealVersion(ctx, row.id, row.activeVersion + 1, config, secretText);
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
  credentialId: string,
  version: number,
  config: KindConfig,
  secretText: string,
) {
  const plain = parseSecretInput(config.kind, secretText);
  const full = completeConfig(config, plain);
  const kek = requireKeyring(ctx).primary();
  const plaintext = new Uint8Array(new TextEncoder().encode(JSON.stringify(plain)));
  const sealed = await seal(
    plaintext,
    { credentialId, version, kind: full.kind, slot: "secret" },
    kek,
  );
  plaintext.fill(0);
  return { kind: full.kind, config: JSON.stringify(full), sealed, kekVersion: kek.version };
}

function checkName(name: string): void {
  if (CREDENTIAL_NAME.test(name)) return;
  throw new GatewayError(
    "INVALID_INPUT",
    `Invalid credential name "${
      name.slice(0, 80)
    }": use 1-64 lower-case letters, digits, _ and -, starting with a letter or digit`,
  );
}
