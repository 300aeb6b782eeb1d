/**
 * Runs the real `deploy/nginx/nginx.conf` on loopback in front of two test backends (the compose
 * file's gateway-1 and gateway-2). Only what ties the file to compose is rewritten
 * (tests/_support/nginx.ts): the `server gateway-N:8080` lines become loopback ports, the listen
 * port and the pid, temp and log paths move into a temp directory, and the access log records the
 * upstream of each request. Every proxy directive under test is left as written.
 */

import { startClusterNginx } from "../_support/nginx.ts";

/** A running nginx; `await using` stops it and removes its directory. */
export interface Nginx extends AsyncDisposable {
  url: string;
  /** The upstream address of each request so far, in order (`127.0.0.1:port`). */
  upstreams(): Promise<string[]>;
}

/** Starts nginx with the compose config in front of `ports` (gateway-1, gateway-2). */
export async function startNginx(ports: [number, number]): Promise<Nginx> {
  const nginx = await startClusterNginx(ports);
  return {
    url: nginx.url,
    upstreams: async () => (await nginx.records()).flatMap((record) => record.upstreams),
    [Symbol.asyncDispose]: () => nginx[Symbol.asyncDispose](),
  };
}
