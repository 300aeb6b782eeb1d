/** Wraps a child's SDK client so failures caused by the child's death carry a clear error. */

import type { Client } from "@modelcontextprotocol/client";
import type { GatewayError } from "../errors.ts";

/**
 * Returns a view of `client` whose methods, once the child has died (`death()` is set), reject or
 * throw `toError('Upstream "…" exited …')` instead of the SDK's bare "Connection closed".
 *
 * Why a proxy: the SDK rejects in-flight requests itself on transport close, with a fixed error;
 * the view keeps the whole `Client` API (and `instanceof Client`) without subclassing internals.
 */
export function guardClient(
  client: Client,
  death: () => string | undefined,
  toError: (message: string, cause: unknown) => GatewayError,
  name: string,
): Client {
  function translate(error: unknown): unknown {
    const reason = death();
    return reason === undefined ? error : toError(`Upstream "${name}" ${reason}`, error);
  }
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      return function guarded(...args: unknown[]): unknown {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          throw translate(error);
        }
        if (result instanceof Promise) {
          return result.catch((error: unknown) => {
            throw translate(error);
          });
        }
        return result;
      };
    },
  });
}
