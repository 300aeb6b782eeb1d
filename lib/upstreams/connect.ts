/** Opening one upstream's connection: HTTP, or a supervised stdio child (shared or per caller). */

import type { OutboundAuth } from "../credentials/mod.ts";
import type { Logger } from "../log.ts";
import type { StdioTransport, UpstreamSpec } from "../upstream_spec/mod.ts";
import type { UpstreamConnection } from "./connection.ts";
import { createHttpConnection } from "./http_connection.ts";
import { createPerClientConnection } from "./per_client.ts";
import { prepareStdioEnv, type ResolveCredential } from "./stdio_env.ts";
import { superviseStdio } from "./stdio_supervisor.ts";
import type { UpstreamNotices } from "./upstream_client.ts";

/** Opens the connection of one upstream (the stdio supervisor plugs in here). */
export type ConnectUpstream = (
  spec: UpstreamSpec,
  hooks: { onToolsChanged: () => void } & UpstreamNotices,
) => UpstreamConnection;

/** What the built-in connections need besides each upstream's spec. */
export interface ConnectOptions {
  /** Receives connection warnings, each with the upstream's name. */
  logger: Logger;
  /** Resolves a vault credential for an HTTP upstream's `auth`. */
  resolveAuth?: (name: string) => Promise<OutboundAuth>;
  /** Resolves the `${credential:NAME}` references of stdio `env` values, at each child start. */
  resolveCredential?: ResolveCredential;
}

/** The built-in connections: Streamable HTTP, and supervised stdio children (per client or shared). */
export function defaultConnect(options: ConnectOptions): ConnectUpstream {
  return function connect(spec, hooks) {
    if (spec.transport.kind === "stdio") {
      return connectStdio(spec, spec.transport, { ...options, notices: hooks });
    }
    const resolveAuth = options.resolveAuth;
    const auth = spec.auth;
    return createHttpConnection(spec, {
      ...hooks,
      logger: options.logger,
      ...(auth !== undefined && resolveAuth ? { resolveAuth: () => resolveAuth(auth) } : {}),
    });
  };
}

/**
 * A supervised child, started on the first `client()` (the first listing) or, `start: boot`, at
 * once; with `perClient`, one such child per caller. Its `env` is resolved from the vault before
 * every start, so a rotated credential reaches the child at its next (re)start; the secrets it was
 * given are scrubbed from its stderr in the log.
 */
function connectStdio(
  spec: UpstreamSpec,
  transport: StdioTransport,
  options: ConnectOptions & { notices: UpstreamNotices },
): UpstreamConnection {
  function supervise(logger: Logger, startAtBoot: boolean): UpstreamConnection {
    return superviseStdio({
      name: spec.name,
      command: transport.command,
      args: transport.args,
      env: transport.env,
      ...(transport.cwd === undefined ? {} : { cwd: transport.cwd }),
    }, {
      logger,
      startAtBoot,
      notices: options.notices,
      prepare: () => prepareStdioEnv(transport.env, options.resolveCredential),
    });
  }
  if (spec.perClient === undefined) return supervise(options.logger, spec.start === "boot");
  return createPerClientConnection(spec.name, spec.perClient, {
    logger: options.logger,
    start: spec.start,
    supervise: (principal, startAtBoot) =>
      supervise(options.logger.child({ principal: principal || "(listing)" }), startAtBoot),
  });
}
