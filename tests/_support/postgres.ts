/**
 * A private PostgreSQL server for tests that stop and restart the database (never the shared
 * one): `initdb` into a temp directory, then `postgres` on a free port, as a child this test owns.
 * Run as root (containers), the server runs as `nobody` through `setpriv`, since PostgreSQL
 * refuses to run as root.
 *
 * Without the binaries a test is skipped and says why; with `CI=true` it fails instead.
 */

import assert from "node:assert/strict";

const IN_CI = Deno.env.get("CI") === "true";
const binDir = await findPostgresBin();
const NOBODY = 65534;

/** A private `postgres` child on a free port. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:port/postgres` */
  url: string;
  /** Stops the server (SIGINT, fast shutdown: clients are disconnected) and waits for it; idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data (after `stop`). */
  start(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** `Deno.test` for a test that starts its own `postgres`; skipped without the binaries. */
export function postgresServerTest(name: string, fn: () => Promise<void>): void {
  if (binDir !== undefined) return Deno.test({ name, fn, sanitizeResources: false });
  if (IN_CI) {
    return Deno.test(name, () => assert.fail("PostgreSQL binaries are required in CI (CI=true)"));
  }
  Deno.test({ name: `${name} (skipped: no initdb/postgres binaries)`, ignore: true, fn });
}

/** Initialises a cluster in a temp directory and starts it; waits until it accepts queries. */
export async function startPostgresServer(): Promise<PostgresServer> {
  assert.ok(binDir, "no PostgreSQL binaries");
  const root = await Deno.makeTempDir({ prefix: "nexus-pg-" });
  const data = `${root}/data`;
  const asOwner = Deno.uid() === 0 ? await ownedByNobody(root) : [];
  await run([...asOwner, `${binDir}/initdb`, "-D", data, "-A", "trust", "-U", "postgres", "-N"]);
  const port = freePort();
  let child: Deno.ChildProcess | undefined;
  async function start(): Promise<void> {
    child = new Deno.Command(asOwner[0] ?? `${binDir}/postgres`, {
      args: [
        ...asOwner.slice(1),
        ...(asOwner.length ? [`${binDir}/postgres`] : []),
        ...["-D", data, "-p", String(port), "-k", root, "-c", "listen_addresses=127.0.0.1"],
        ...["-c", "fsync=off"],
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 15_000;
    while (!(await accepts(port))) {
      if (Date.now() > deadline) throw new Error(`postgres did not start on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running) return;
    running.kill("SIGINT");
    await running.status;
  }
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    async [Symbol.asyncDispose]() {
      await stop();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };

  async function accepts(port: number): Promise<boolean> {
    const ready = new Deno.Command(`${binDir}/pg_isready`, {
      args: ["-h", "127.0.0.1", "-p", String(port), "-t", "1"],
      stdout: "null",
      stderr: "null",
    });
    return (await ready.output()).success;
  }
}

/** Gives `dir` to `nobody`; returns the prefix that runs a command as `nobody`. */
async function ownedByNobody(dir: string): Promise<string[]> {
  await Deno.chown(dir, NOBODY, NOBODY);
  return ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"];
}

async function run(argv: string[]): Promise<void> {
  const output = await new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!output.success) {
    throw new Error(`${argv.join(" ")} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
}

async function findPostgresBin(): Promise<string | undefined> {
  try {
    const versions: string[] = [];
    for await (const entry of Deno.readDir("/usr/lib/postgresql")) versions.push(entry.name);
    versions.sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const dir = `/usr/lib/postgresql/${version}/bin`;
      if (await Deno.stat(`${dir}/initdb`).then(() => true, () => false)) return dir;
    }
  } catch {
    // no Debian-style install
  }
  return undefined;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
