/**
 * A real npm package installed for a test with the ordinary client (`npm install --prefix`), into
 * a cache directory reused across runs. An install that fails throws with npm's own output, so a
 * test that needs the package fails with a clear message; it is never skipped.
 */

import { join } from "node:path";
import { pathExists } from "./paths.ts";

/** A pinned npm package and the file, inside it, that a test runs. */
export interface NpmPackage {
  /** Package name, e.g. `@modelcontextprotocol/server-everything`. */
  name: string;
  /** Exact version, so every run tests the same code. */
  version: string;
  /** Path inside the package of the entry to run, e.g. `dist/index.js`. */
  entry: string;
}

/** The server-everything release the stdio tests run, pinned. */
export const SERVER_EVERYTHING: NpmPackage = {
  name: "@modelcontextprotocol/server-everything",
  version: "2026.8.31",
  entry: "dist/index.js",
};

function cacheRoot(): string {
  const base = Deno.env.get("XDG_CACHE_HOME") ??
    join(Deno.env.get("HOME") ?? Deno.makeTempDirSync(), ".cache");
  return join(base, "nexus-tests", "npm");
}

/**
 * Installs `pkg` (once per cache) and returns the absolute path of its entry.
 * @throws Error naming the package and carrying npm's output when the install fails.
 */
export async function installNpmPackage(pkg: NpmPackage): Promise<string> {
  const prefix = join(cacheRoot(), `${pkg.name.replace("/", "__")}@${pkg.version}`);
  const installed = join(prefix, "node_modules", pkg.name);
  const entry = join(installed, pkg.entry);
  if (await installedVersion(installed) === pkg.version && await pathExists(entry)) return entry;
  await Deno.mkdir(prefix, { recursive: true });
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("npm", {
      args: [
        "install",
        "--prefix",
        prefix,
        "--no-audit",
        "--no-fund",
        `${pkg.name}@${pkg.version}`,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(`Cannot install ${pkg.name}@${pkg.version}: npm did not run: ${error}`);
  }
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  if (!output.success || !(await pathExists(entry))) {
    throw new Error(
      `Cannot install ${pkg.name}@${pkg.version} into ${prefix}: npm exited with code ` +
        `${output.code}\n${decode(output.stdout)}${decode(output.stderr)}`,
    );
  }
  return entry;
}

async function installedVersion(dir: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(await Deno.readTextFile(join(dir, "package.json")));
    return typeof manifest.version === "string" ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}
