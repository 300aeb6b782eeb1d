/**
 * Key rings for credential tests, built from fresh random keys.
 */

import { generateMasterKey, type Keyring, loadKeyring } from "../../lib/credentials/mod.ts";
import { open } from "../../lib/credentials/seal.ts";
import type { CredentialRepo } from "../../lib/store/mod.ts";
import { Secret } from "../../lib/secret.ts";

/** A key ring from `NEXUS_MASTER_KEY`-style material (`key`, or `2:k2,1:k1`). */
export async function keyringOf(material: string): Promise<Keyring> {
  const keyring = await loadKeyring({ masterKey: new Secret(material) });
  if (keyring === undefined) throw new Error("no keyring");
  return keyring;
}

/** A key ring holding one fresh key as version 1, and the key's text. */
export async function freshKeyring(): Promise<{ keyring: Keyring; key: string }> {
  const key = generateMasterKey();
  return { keyring: await keyringOf(key), key };
}

/** The refresh token a credential's shared OAuth state holds, opened with `keyring`. */
export async function storedRefreshToken(
  repo: CredentialRepo,
  name: string,
  keyring: Keyring,
): Promise<string> {
  const row = await repo.get(name);
  const state = await repo.readState(row!.id);
  const version = await repo.getVersion(row!.id, state!.credentialVersion);
  const plain = await open(state!.sealed!, {
    credentialId: row!.id,
    name: row!.name,
    version: state!.credentialVersion,
    kind: version!.kind,
    config: JSON.parse(version!.config),
    slot: "state",
    stateVersion: state!.stateVersion,
  }, keyring);
  return JSON.parse(new TextDecoder().decode(plain)).refreshToken;
}
