/**
 * Helpers of the console test: a recorder of a page's requests, console errors and response
 * bodies; screenshots (into docs/console/ on request); and a page served from another loopback port that tries
 * to drive the console (CSRF).
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { REPO_ROOT } from "./gateway.ts";

/** What a page did. */
export interface Recorder {
  /** Starts keeping response bodies; `stop()` returns those seen since. */
  watchResponses(): { stop(): Promise<string[]> };
  /** Console errors matching this are expected from here on (the foreign page's refusals). */
  allowConsoleErrors(pattern: RegExp): void;
  /** Asserts every request went to loopback and no unexpected console error was logged. */
  assertClean(): void;
  /** Keeps a measured figure for the README. */
  note(line: string): void;
  /** Writes the notes to `path`. */
  writeNotes(path: string): void;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Records `page` (and, with `into`, adds to an existing recorder). */
export function recordPage(page: Page, into?: Recorder): Recorder {
  if (into !== undefined) {
    (into as unknown as { attach(page: Page): void }).attach(page);
    return into;
  }
  const requests: string[] = [];
  const errors: string[] = [];
  const notes: string[] = [];
  let allowed: RegExp | undefined;
  let watching: Promise<string>[] | undefined;
  const recorder = {
    attach(p: Page) {
      p.on("request", (request) => requests.push(request.url()));
      p.on("console", (message) => {
        if (message.type() === "error" && !allowed?.test(message.text())) {
          errors.push(message.text());
        }
      });
      p.on("pageerror", (error) => errors.push(String(error)));
      p.on("response", (response) => {
        watching?.push(response.text().catch(() => ""));
      });
    },
    watchResponses() {
      const bodies: Promise<string>[] = [];
      watching = bodies;
      return {
        async stop() {
          watching = undefined;
          return await Promise.all(bodies);
        },
      };
    },
    allowConsoleErrors(pattern: RegExp) {
      allowed = pattern;
    },
    assertClean() {
      const away = requests.filter((url) => !LOOPBACK.has(new URL(url).hostname));
      assert.deepEqual(away, [], "requests left loopback");
      assert.ok(requests.length > 0, "requests were recorded");
      assert.deepEqual(errors, [], "console errors");
    },
    note(line: string) {
      notes.push(line);
    },
    writeNotes(path: string) {
      Deno.writeTextFileSync(path, `${notes.join("\n")}\n`);
    },
  };
  recorder.attach(page);
  return recorder;
}

/**
 * Where screenshots and measured figures go: `docs/console/` when `NEXUS_CONSOLE_SHOTS=docs` (how
 * the README's pictures are refreshed), else a temporary folder.
 */
// Why not always docs/: every test run (CI included) would rewrite tracked files.
export const SHOTS_DIR = Deno.env.get("NEXUS_CONSOLE_SHOTS") === "docs"
  ? `${REPO_ROOT}/docs/console`
  : Deno.makeTempDirSync({ prefix: "nexus-console-shots-" });

/** Saves a 1280×800 screenshot of `page` as `NAME.png` in {@linkcode SHOTS_DIR}. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await Deno.mkdir(SHOTS_DIR, { recursive: true });
  await page.screenshot({ path: `${SHOTS_DIR}/${name}.png` });
}

/**
 * A page on another loopback port that, with the browser's console cookie, tries to read the
 * session's CSRF token, mint an admin key, rotate a credential and sign out (fetch with and without
 * CORS, and plain form posts). It writes what it could read into `#report` and sets the title.
 */
export function foreignPage(
  gatewayUrl: string,
): { url: string } & AsyncDisposable {
  const script = `
    const gw = ${JSON.stringify(gatewayUrl)};
    const report = {};
    const mint = JSON.stringify({ name: "evil", admin: true });
    try {
      await (await fetch(gw + "/console/session", { credentials: "include" })).json();
      report.readSession = "read";
    } catch { report.readSession = "blocked"; }
    for (const headers of [{ "content-type": "application/json" }, { "content-type": "text/plain" }]) {
      await fetch(gw + "/admin/clients", { method: "POST", credentials: "include", headers, body: mint })
        .catch(() => {});
      await fetch(gw + "/admin/clients", { method: "POST", mode: "no-cors", credentials: "include",
        headers, body: mint }).catch(() => {});
    }
    await fetch(gw + "/admin/credentials/console_cred/rotate", { method: "POST", mode: "no-cors",
      credentials: "include", headers: { "content-type": "text/plain" },
      body: JSON.stringify({ secret: "evil" }) }).catch(() => {});
    await fetch(gw + "/admin/clients/ops", { method: "DELETE", credentials: "include" }).catch(() => {});
    const frame = document.createElement("iframe");
    frame.name = "sink";
    document.body.append(frame);
    for (const [action, field] of [["/admin/clients", "name"], ["/console/logout", "x"],
      ["/admin/credentials/console_cred/rotate", "secret"], ["/console/login", "key"]]) {
      const form = document.createElement("form");
      form.method = "post"; form.action = gw + action; form.target = "sink";
      form.enctype = "text/plain";
      const input = document.createElement("input");
      input.name = field; input.value = "evil";
      form.append(input);
      document.body.append(form);
      form.submit();
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    document.getElementById("report").textContent = JSON.stringify(report);
    document.title = "done";`;
  const html = `<!doctype html><title>foreign</title><pre id="report"></pre>
    <script type="module">${script}</script>`;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response(html, { headers: { "content-type": "text/html" } }),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}
