/**
 * The credential vault as the gateway and the CLI open it: the key ring from the config, the
 * store's credential rows, the audit log's keyed argument hash, and the upkeep run while serving.
 */

import type { Config } from "../config/mod.ts";
import {
  createArgsHasher,
  createSessionSealer,
  createVault,
  loadKeyring,
  type SessionSealer,
  type Vault,
} from "../credentials/mod.ts";
import { type Logger, silentLogger } from "../log.ts";
import { openStore, type Store } from "../store/mod.ts";

/** An open vault for a command or a server, with what it holds open. */
export interface OpenVault {
  /** The credential vault over `store`; with `hasKeyring` false, metadata works, secrets do not. */
  vault: Vault;
  /** The store the vault reads: the one passed in, or one opened here (closed by `close`). */
  store: Store;
  /** Whether a master key is configured (secrets can be opened). */
  hasKeyring: boolean;
  /** The audit log's keyed argument hash, derived from the master key; absent without one. */
  hashArgs?: (text: string) => string;
  /** Seals 2025 session ids: under the master key, else a random key of this process. */
  sessionSealer: SessionSealer;
  /** Closes the store if it was opened here; a store passed in is left open for its owner. */
  close(): Promise<void>;
}

/**
 * Opens the vault on `store` (or on a store it opens itself) with the configured key ring. With
 * `reseal` (serving) and a master key, first re-seals blobs left in an older sealed format.
 * @throws GatewayError INVALID_CONFIG when the key material or the store is unusable.
 */
export async function openVault(
  config: Config,
  options: { logger?: Logger; store?: Store; reseal?: boolean } = {},
): Promise<OpenVault> {
  const logger = options.logger ?? silentLogger;
  const keyring = await loadKeyring(
    { masterKey: config.masterKey, masterKeyFile: config.masterKeyFile },
    { logger },
  );
  const store = options.store ?? await openStore(config, { logger });
  const vault = createVault({ repo: store.credentials, keyring, logger });
  const close = () => options.store ? Promise.resolve() : store.close();
  const sessionSealer = createSessionSealer(keyring);
  if (keyring === undefined) return { vault, store, hasKeyring: false, sessionSealer, close };
  if (options.reseal) {
    // Why here, awaited: the call path opens only the current format, so it runs before serving.
    await vault.resealAll().catch((error) => {
      logger.error("Cannot re-seal credentials in the current format", { error });
    });
  }
  const hashArgs = await createArgsHasher(keyring);
  return { vault, store, hasKeyring: true, hashArgs, sessionSealer, close };
}

const HOUR_MS = 3_600_000;

/**
 * Background upkeep while serving: logs credentials past their rotation policy at start and every
 * hour, and warns at start when credentials are stored but no master key is configured. Returns a
 * stop function. Raises nothing.
 */
export function startCredentialUpkeep(
  opened: OpenVault,
  options: { logger: Logger; hasKeyring: boolean },
): () => void {
  const report = () => {
    opened.vault.reportOverdue().catch((error) =>
      options.logger.warn("Cannot check credential rotation policies", { error })
    );
  };
  if (options.hasKeyring) {
    report();
  } else {
    opened.vault.list().then((stored) => {
      if (stored.length === 0) return;
      options.logger.warn(
        "Credentials are stored but no master key is configured (NEXUS_MASTER_KEY or NEXUS_MASTER_KEY_FILE): tools that name one will fail",
        { credentials: stored.length },
      );
    }).catch(() => {});
  }
  const timer = setInterval(report, HOUR_MS);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
