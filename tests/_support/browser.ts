/**
 * Headless Chromium for the console's end-to-end tests: Debian's `chromium` driven by
 * `playwright-core` (no browser download). Installs the package when it is missing and fails with
 * a clear message when it cannot; a fresh profile directory per launch, removed on dispose.
 */

import { type BrowserContext, chromium } from "playwright-core";
import { installDebianPackage } from "../deploy/_tools.ts";
import { pathExists } from "./paths.ts";

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Makes sure `/usr/bin/chromium` exists, installing it with apt-get; throws when it cannot. */
export async function ensureChromium(): Promise<void> {
  if (await pathExists(CHROMIUM)) return;
  const failure = await installDebianPackage("chromium").then(() => undefined, (error) => error);
  if (!(await pathExists(CHROMIUM))) {
    throw new Error(
      `Console tests need Chromium at ${CHROMIUM}: apt-get install -y chromium failed: ${
        String(failure ?? "no error, yet no browser").slice(-500)
      }`,
    );
  }
}

/** A browser context with a fresh profile, 1280×800; `await using` closes it and removes the profile. */
export async function launchBrowser(): Promise<BrowserContext & AsyncDisposable> {
  await ensureChromium();
  const profile = await Deno.makeTempDir({ prefix: "nexus-chromium-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
  });
  return Object.assign(context, {
    async [Symbol.asyncDispose]() {
      await context.close().catch(() => {});
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  });
}
