/**
 * `nexus serve`: binds the HTTP listener, then creates the gateway on it. Listening first lets
 * port 0 resolve before the demo tools' base URL is computed; requests that arrive while the
 * gateway opens wait for it.
 */

import type { Config } from "../config/mod.ts";
import { createGateway, type Gateway } from "../gateway/mod.ts";
import { type AppEnv, serveBounded } from "../http/mod.ts";
import type { Logger } from "../log.ts";
import { VERSION } from "../version.ts";
import { createDrain } from "./drain.ts";
import { guardSocketFaults, onShutdown } from "./shutdown.ts";

/** Serves until a signal stops the server; returns the exit code. */
export async function serveHttp(
  config: Config,
  logger: Logger,
  options: { configPath?: string } = {},
): Promise<number> {
  guardSocketFaults(logger);
  const server = serveBounded(
    {
      hostname: config.host,
      port: config.port,
      logger,
      headerTimeoutMs: config.headerTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      sendTimeoutMs: config.bodyTimeoutMs,
    },
    (request, info) => {
      const env = { remoteAddr: info.remoteAddr };
      return opened === undefined
        ? serveWith(starting, request, env)
        : served(opened, request, env);
    },
  );
  // Why kept once open: awaiting `starting` again for every request cost a promise, an async
  // frame and a turn of the microtask queue per call, for an answer that no longer changes.
  let opened: Gateway | undefined;
  const starting = createGateway(config, {
    logger,
    configPath: options.configPath,
    listener: server,
  });
  starting.then((gateway) => (opened = gateway), () => {});
  const gateway = await starting.catch((error) => {
    logger.error("Cannot start", { error });
  });
  if (gateway === undefined) {
    await server.shutdown();
    return 1;
  }
  const port = server.addr.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}/mcp`;
  logger.info("Nexus listening", { url, version: VERSION });
  const drain = createDrain(logger, { server, gateway }, {
    drainMs: config.drainMs,
    settleMs: config.drainSettleMs,
  });
  onShutdown(
    logger,
    () => Promise.resolve(drain.start()),
    (signal) => drain.force(`second ${signal}`),
  );
  return await drain.finished;
}

/** Serves one request once the gateway is open; a gateway that failed to open answers 503. */
async function serveWith(
  starting: Promise<Gateway>,
  request: Request,
  env: AppEnv,
): Promise<Response> {
  const gateway = await starting.catch(() => undefined);
  if (gateway === undefined) return new Response("Unavailable", { status: 503 });
  // Why no `await`: this frame would otherwise stay live for the whole call.
  return gateway.fetch(request, env);
}

/** `gateway.fetch`, a synchronous throw turned into a rejection (as in `serveWith`). */
function served(
  gateway: Gateway,
  request: Request,
  env: AppEnv,
): Response | Promise<Response> {
  try {
    return gateway.fetch(request, env);
  } catch (error) {
    return Promise.reject(error);
  }
}
