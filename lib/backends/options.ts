/** What every backend receives besides the tool and its arguments. */

import type { OutboundAuth } from "../credentials/mod.ts";
import type { Logger } from "../log.ts";

/** Per-call options for {@linkcode executeTool}. */
export interface ExecuteOptions {
  /** Client cancellation; combined with the tool's own timeout. */
  signal: AbortSignal;
  /** The call's logger (the backend adds `tool` and `backend` fields). */
  logger: Logger;
  /** Allowlist of URL origins (`https://host:port` as `URL.origin` gives) declared by the registry. */
  egressOrigins: ReadonlySet<string>;
  /** Injectable for tests; defaults to `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Sees each HTTP upstream's final status and headers (quota headers); must not throw. */
  observeResponse?: (response: { status: number; headers: Headers }) => void;
  /**
   * The tool's credential, set by the credential stage: injected into the HTTP request as it is
   * built, and its secrets redacted from the result and from error messages.
   */
  outboundAuth?: OutboundAuth;
}
