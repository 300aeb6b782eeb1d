/**
 * The peers of the federation section: `mcp-proxy` and `supergateway` from npm, pinned, installed
 * with the ordinary npm client into the test cache (`tests/_support/npm_package.ts`), each
 * fronting the stdio upstream and serving Streamable HTTP on 127.0.0.1.
 */

import { installNpmPackage, type NpmPackage } from "../tests/_support/npm_package.ts";
import { spawnListening, type Subprocess } from "./processes.ts";

/** punkpeye's `mcp-proxy`: one upstream connection shared by every downstream session. */
export const MCP_PROXY: NpmPackage = {
  name: "mcp-proxy",
  version: "6.7.19",
  entry: "dist/bin/mcp-proxy.mjs",
};

/** supercorp's `supergateway`: stateful Streamable HTTP spawns one stdio child per session. */
export const SUPERGATEWAY: NpmPackage = {
  name: "supergateway",
  version: "4.0.0",
  entry: "dist/index.js",
};

/** A started peer, or why it could not be started. */
export type PeerStart =
  | { ok: true; name: string; url: string; process: Subprocess; command: string }
  | { ok: false; name: string; reason: string };

/** Installs and starts `mcp-proxy` fronting `upstream` (argv of the stdio server). */
export async function startMcpProxy(upstream: string[]): Promise<PeerStart> {
  return await startPeer("mcp-proxy", MCP_PROXY, (port) => [
    "--port",
    String(port),
    "--host",
    "127.0.0.1",
    "--server",
    "stream",
    "--",
    ...upstream,
  ]);
}

/**
 * Installs and starts `supergateway` fronting `upstream` in stateful Streamable HTTP mode.
 * Why stateful: its stateless mode (and its 2026-07-28 leg) spawns a stdio child per request.
 * Why `--logLevel none`: at its default (`info`) it logs every message it relays.
 */
export async function startSupergateway(upstream: string[]): Promise<PeerStart> {
  return await startPeer("supergateway", SUPERGATEWAY, (port) => [
    "--stdio",
    upstream.join(" "),
    "--outputTransport",
    "streamableHttp",
    "--stateful",
    "--port",
    String(port),
    "--logLevel",
    "none",
  ]);
}

async function startPeer(
  name: string,
  pkg: NpmPackage,
  argsFor: (port: number) => string[],
): Promise<PeerStart> {
  let entry: string;
  try {
    entry = await installNpmPackage(pkg);
  } catch (error) {
    return { ok: false, name, reason: firstLine(error) };
  }
  const port = freePort();
  const args = [entry, ...argsFor(port)];
  const url = `http://127.0.0.1:${port}/mcp`;
  try {
    const process = await spawnListening({ command: "node", args, url });
    return {
      ok: true,
      name,
      url,
      process,
      command: `node ${pkg.name}@${pkg.version} ${args.slice(1).join(" ")}`,
    };
  } catch (error) {
    return { ok: false, name, reason: firstLine(error) };
  }
}

/** A port free right now (the OS picks it; the peer binds it a moment later). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n").slice(0, 6).join(" / ");
}
