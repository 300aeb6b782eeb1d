/**
 * Runs the real `deploy/nginx/nginx.conf` on loopback in front of test backends. Only what ties
 * the file to compose is rewritten: the two `server gateway-N:8080` lines become loopback ports,
 * the listen port and the pid, temp and log paths move into a temp directory, and the access log
 * records `$upstream_addr`. Every proxy directive under test is left as written.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { installNginx } from "./_tools.ts";

const CONF = new URL("../../deploy/nginx/nginx.conf", import.meta.url);

/** A running nginx; `await using` stops it and removes its directory. */
export interface Nginx extends AsyncDisposable {
  url: string;
  /** The upstream address of each request so far, in order (`127.0.0.1:port`). */
  upstreams(): Promise<string[]>;
}

/** Starts nginx with the compose config in front of `ports` (gateway-1, gateway-2). */
export async function startNginx(ports: [number, number]): Promise<Nginx> {
  const nginx = await installNginx();
  const dir = await Deno.makeTempDir({ prefix: "nexus-nginx-" });
  // Why: nginx's workers run as "nobody" when the master is root; they write temp files here.
  await Deno.chmod(dir, 0o777);
  const port = freePort();
  let conf = await Deno.readTextFile(CONF);
  conf = replaceOnce(conf, "server gateway-1:8080", `server 127.0.0.1:${ports[0]}`);
  conf = replaceOnce(conf, "server gateway-2:8080", `server 127.0.0.1:${ports[1]}`);
  conf = replaceOnce(conf, "listen 8080;", `listen 127.0.0.1:${port};`);
  conf = replaceOnce(conf, "pid /tmp/nginx.pid;", `pid ${dir}/nginx.pid;`);
  conf = replaceOnce(conf, "error_log /dev/stderr warn;", `error_log ${dir}/error.log warn;`);
  conf = replaceOnce(
    conf,
    "access_log /dev/stdout;",
    `log_format upstream '$upstream_addr';\n  access_log ${dir}/access.log upstream;`,
  );
  conf = conf.replaceAll(/_temp_path \/tmp\//g, `_temp_path ${dir}/`);
  await Deno.writeTextFile(join(dir, "nginx.conf"), `daemon off;\n${conf}`);
  const child = new Deno.Command(nginx, {
    args: ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilListening(port, child.status);
  } catch (error) {
    child.kill("SIGTERM");
    await child.status;
    const log = await Deno.readTextFile(join(dir, "error.log")).catch(() => "");
    throw new Error(`nginx did not start: ${error}\n${await stderr}\n${log}`);
  }
  return {
    url,
    async upstreams() {
      const log = await Deno.readTextFile(join(dir, "access.log")).catch(() => "");
      return log.split("\n").filter((line) => line !== "" && line !== "-");
    },
    async [Symbol.asyncDispose]() {
      child.kill("SIGQUIT");
      await child.status;
      await stderr;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function replaceOnce(text: string, from: string, to: string): string {
  assert.equal(text.split(from).length, 2, `nginx.conf must contain "${from}" once`);
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
    for (let i = 0; i < 200 && !done; i++) {
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
