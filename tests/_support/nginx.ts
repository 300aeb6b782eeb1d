/**
 * The real nginx on loopback in front of any number of gateway instances, running the shipped
 * `deploy/nginx/nginx.conf` with only what ties it to compose rewritten: the `server gateway-N`
 * lines become one line per loopback port, `proxy_next_upstream_tries` becomes the number of
 * instances (a request may try each once), the listen port and the pid, temp and log paths move
 * into a temp directory. Round robin, no stickiness, upstream keep-alive, unbuffered SSE and the
 * retry rules (a refused connection goes to the next instance, a sent POST is never resent) are
 * left as written. Used by `tests/e2e/cluster_nginx_test.ts`, `tests/deploy/nginx_int_test.ts` and
 * `bench/cluster.ts`.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { installNginx } from "../deploy/_tools.ts";

const CONF = new URL("../../deploy/nginx/nginx.conf", import.meta.url);

/** The access log line: upstream(s) tried, status, end time (s.ms), duration (s), call id. */
const LOG_FORMAT = "'$upstream_addr|$status|$msec|$request_time|$http_x_call_id'";

/** One request as nginx logged it. */
export interface AccessRecord {
  /** Every upstream tried, in order (`127.0.0.1:port`). */
  upstreams: string[];
  status: number;
  /** When nginx received the request and when it finished, epoch ms. */
  startMs: number;
  endMs: number;
  /** The client's `x-call-id` header, or "" without one. */
  callId: string;
}

/** A running nginx; `await using` stops it and removes its directory. */
export interface ClusterNginx extends AsyncDisposable {
  url: string;
  /** The nginx master's pid (its workers are its children). */
  pid: number;
  /** Every request logged so far (none when started with `accessLog: false`). */
  records(): Promise<AccessRecord[]>;
  /** nginx's error log so far (warnings and errors: why an upstream failed). */
  errorLog(): Promise<string>;
}

/** Tuning for many clients (the benchmark). */
export interface NginxOptions {
  /** `worker_connections` (the shipped 4096 when absent). */
  workerConnections?: number;
  /** `worker_rlimit_nofile` (not set when absent). */
  rlimitNofile?: number;
  /** Log every request (default true). */
  accessLog?: boolean;
  /** The upstream `keepalive_timeout` in ms (the shipped value when absent). */
  upstreamKeepaliveMs?: number;
}

/** Starts nginx in front of `ports` (127.0.0.1). Installs nginx-light when missing. */
export async function startClusterNginx(
  ports: number[],
  options: NginxOptions = {},
): Promise<ClusterNginx> {
  const nginx = await installNginx();
  const dir = await Deno.makeTempDir({ prefix: "nexus-nginx-cluster-" });
  // Why: nginx's workers run as "nobody" when the master is root; they write temp files here.
  await Deno.chmod(dir, 0o777);
  const port = freePort();
  const conf = clusterConf(await Deno.readTextFile(CONF), { ...options, ports, port, dir });
  await Deno.writeTextFile(join(dir, "nginx.conf"), conf);
  const child = new Deno.Command(nginx, {
    args: ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  try {
    await untilListening(port, child.status);
  } catch (error) {
    child.kill("SIGTERM");
    await child.status;
    const log = await Deno.readTextFile(join(dir, "error.log")).catch(() => "");
    throw new Error(`nginx did not start: ${error}\n${await stderr}\n${log}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    records: async () => parseLog(await Deno.readTextFile(join(dir, "access.log")).catch(() => "")),
    errorLog: () => Deno.readTextFile(join(dir, "error.log")).catch(() => ""),
    async [Symbol.asyncDispose]() {
      // Why SIGTERM (fast shutdown), not SIGQUIT: a graceful stop waits for open SSE streams.
      child.kill("SIGTERM");
      await child.status;
      await stderr;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** The shipped config rewritten for `ports` on loopback, listening on `port`, files in `dir`. */
export function clusterConf(
  shipped: string,
  options: NginxOptions & { ports: number[]; port: number; dir: string },
): string {
  const { ports, dir } = options;
  const servers = ports.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`);
  let conf = replaceOnce(
    shipped,
    /server gateway-1:8080 .*;\n\s*server gateway-2:8080 .*;/,
    servers.join("\n    "),
  );
  conf = replaceOnce(
    conf,
    "proxy_next_upstream_tries 2;",
    `proxy_next_upstream_tries ${ports.length};`,
  );
  conf = replaceOnce(conf, "listen 8080;", `listen 127.0.0.1:${options.port} backlog=4096;`);
  conf = replaceOnce(conf, "pid /tmp/nginx.pid;", `pid ${dir}/nginx.pid;`);
  conf = replaceOnce(conf, "error_log /dev/stderr warn;", `error_log ${dir}/error.log warn;`);
  conf = replaceOnce(
    conf,
    "access_log /dev/stdout;",
    options.accessLog === false
      ? "access_log off;"
      : `log_format cluster ${LOG_FORMAT};\n  access_log ${dir}/access.log cluster;`,
  );
  if (options.workerConnections !== undefined) {
    conf = replaceOnce(
      conf,
      "worker_connections 4096;",
      `worker_connections ${options.workerConnections};`,
    );
  }
  if (options.upstreamKeepaliveMs !== undefined) {
    conf = replaceOnce(
      conf,
      /keepalive_timeout \d+s;/,
      `keepalive_timeout ${options.upstreamKeepaliveMs}ms;`,
    );
  }
  if (options.rlimitNofile !== undefined) {
    conf = `worker_rlimit_nofile ${options.rlimitNofile};\n${conf}`;
  }
  conf = conf.replaceAll(/_temp_path \/tmp\//g, `_temp_path ${dir}/`);
  return `daemon off;\n${conf}`;
}

function parseLog(text: string): AccessRecord[] {
  return text.split("\n").filter((line) => line !== "").map((line) => {
    const [upstreams = "", status = "0", msec = "0", duration = "0", callId = ""] = line.split(
      "|",
    );
    const endMs = Number(msec) * 1000;
    return {
      upstreams: upstreams.split(/\s*,\s*|\s+:\s+/).filter((u) => u !== "" && u !== "-"),
      status: Number(status),
      startMs: endMs - Number(duration) * 1000,
      endMs,
      callId: callId === "-" ? "" : callId,
    };
  });
}

function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const count = typeof from === "string"
    ? text.split(from).length - 1
    : (text.match(new RegExp(from, "g")) ?? []).length;
  assert.equal(count, 1, `nginx.conf must contain "${from}" once`);
  return text.replace(from, to);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function untilListening(port: number, exited: Promise<Deno.CommandStatus>): Promise<void> {
  let done = false;
  const early = exited.then((status) => {
    done = true;
    throw new Error(`exited with code ${status.code}`);
  });
  // Why: nginx exits (at stop) long after this race is decided.
  early.catch(() => {});
  const connect = (async () => {
    for (let i = 0; i < 400 && !done; i++) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    throw new Error(`nothing listens on ${port}`);
  })();
  await Promise.race([connect, early]);
  done = true;
}
