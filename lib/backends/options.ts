/** What every backend receives besides the tool and its arguments. */

import type { Logger } from "../log.ts";

/** Per-call options for {@linkcode executeTool}. */
export interface ExecuteOptions {
  /** Client cancellation; combined with the tool's own timeout. */
  signal: AbortSignal;
  logger: Logger;
  /** Allowlist of URL origins (`https://host:port` as `URL.origin` gives) declared by the registry. */
  egressOrigins: ReadonlySet<string>;
  /** Injectable for tests; defaults to `globalThis.fetch`. */
  fetch?: typeof fetch;
}
