/**
 * `deno task console-build`: bundles the admin console (`lib/console/ui/`, Preact + htm) into
 * `lib/console/dist/app.js` with `deno bundle` (minified, browser platform) and copies the style
 * sheet to `lib/console/dist/app.css`. `--check` builds into a temp dir and fails when the
 * committed files differ (run by `tests/console/bundle_test.ts`).
 *
 * Why the bundle is committed: `lib/console/assets.ts` imports it as text, so `deno check`,
 * `deno task start`, `deno compile` and the container build need no bundling step and no
 * network; a test keeps it equal to the sources.
 *
 * Usage: deno run --allow-read --allow-write --allow-run=deno --allow-env scripts/console_build.ts [--check]
 */

import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const UI = `${ROOT}/lib/console/ui`;
const DIST = `${ROOT}/lib/console/dist`;

/** Builds the console into `outDir`; throws with deno bundle's output when it fails. */
export async function buildConsole(outDir: string): Promise<void> {
  await Deno.mkdir(outDir, { recursive: true });
  const output = await new Deno.Command("deno", {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--minify",
      "--output",
      `${outDir}/app.js`,
      `${UI}/app.js`,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`Cannot bundle the console: ${new TextDecoder().decode(output.stderr)}`);
  }
  await Deno.copyFile(`${UI}/app.css`, `${outDir}/app.css`);
}

async function main(args: string[]): Promise<number> {
  if (!args.includes("--check")) {
    await buildConsole(DIST);
    return 0;
  }
  const temp = await Deno.makeTempDir({ prefix: "nexus-console-" });
  try {
    await buildConsole(temp);
    for (const file of ["app.js", "app.css"]) {
      const fresh = await Deno.readTextFile(`${temp}/${file}`);
      const committed = await Deno.readTextFile(`${DIST}/${file}`).catch(() => "");
      if (fresh !== committed) {
        Deno.stderr.writeSync(
          new TextEncoder().encode(
            `lib/console/dist/${file} is stale: run deno task console-build\n`,
          ),
        );
        return 1;
      }
    }
    return 0;
  } finally {
    await Deno.remove(temp, { recursive: true });
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
