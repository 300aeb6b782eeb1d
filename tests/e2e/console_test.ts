/**
 * The admin console in headless Chromium against a real gateway on loopback: sign in with an
 * admin key, see the shipped tools and run one from its form, issue a client key and use it with
 * an MCP SDK client, revoke it, set and rotate a credential whose value never comes back, filter
 * the audit log, and a page of another origin driving nothing (CSRF). Every request stays on
 * loopback and the page logs no error. Screenshots of each page go to docs/console/ with NEXUS_CONSOLE_SHOTS=docs.
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { createClientKey } from "../_support/auth_fixtures.ts";
import { launchBrowser } from "../_support/browser.ts";
import { connectAs } from "../_support/auth_fixtures.ts";
import { createGatewayToolsDir, REPO_ROOT, startGateway } from "../_support/gateway.ts";
import {
  foreignPage,
  type Recorder,
  recordPage,
  screenshot,
  SHOTS_DIR,
} from "../_support/console_page.ts";

const SECRET_1 = `s3cret-one-${crypto.randomUUID()}`;
const SECRET_2 = `s3cret-two-${crypto.randomUUID()}`;

async function adminGet(url: string, key: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(response.status, 200, url);
  return await response.json();
}

async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/console`);
  await page.fill("#key", key);
  await page.click("button[type=submit]");
  await page.waitForSelector("nav >> text=Overview");
}

Deno.test("the admin console drives the admin API from a real browser, and nothing else can", async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-console-" });
  const env = { NEXUS_DATA_DIR: dataDir, NEXUS_MASTER_KEY: generateMasterKey() };
  const adminKey = await createClientKey("ops", env, ["--admin"]);
  await using tools = await createGatewayToolsDir();
  await using gateway = await startGateway({ toolsDir: tools.dir, env });
  await using browser = await launchBrowser();
  const page = browser.pages()[0] ?? await browser.newPage();
  const recorder: Recorder = recordPage(page);
  try {
    await t.step(
      "sign in with an admin key; the session cookie is HttpOnly and Strict",
      async () => {
        await signIn(page, gateway.url, adminKey);
        await page.waitForSelector(".stat >> text=ready");
        const started = performance.now();
        await page.reload();
        await page.waitForSelector(".stat >> text=ready");
        const ms = (performance.now() - started).toFixed(0);
        recorder.note(`first load (reload until Overview shows its data): ${ms} ms`);
        for (const file of ["app.js", "app.css"]) {
          const bytes = await Deno.readFile(`${REPO_ROOT}/lib/console/dist/${file}`);
          const gzipped = await new Response(
            new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")),
          ).arrayBuffer();
          recorder.note(`${file}: ${bytes.length} bytes, ${gzipped.byteLength} gzipped`);
        }
        const cookie = (await browser.cookies()).find((c) => c.name === "nexus_console");
        assert.ok(cookie, "session cookie set");
        assert.equal(cookie.httpOnly, true);
        assert.equal(cookie.sameSite, "Strict");
        assert.equal(cookie.path, "/");
        assert.ok(!(await page.content()).includes(adminKey), "the key is not in the page");
        const csp = (await page.request.get(`${gateway.url}/console`)).headers();
        assert.match(csp["content-security-policy"]!, /default-src 'self'/);
        assert.match(csp["content-security-policy"]!, /frame-ancestors 'none'/);
        assert.equal(csp["x-frame-options"], "DENY");
      },
    );

    await t.step("a wrong key is refused", async () => {
      const other = await browser.newPage();
      await other.goto(`${gateway.url}/console`);
      await other.context().clearCookies();
      await other.goto(`${gateway.url}/console`);
      await other.fill("#key", "nxk_not_a_key");
      await other.click("button[type=submit]");
      await other.waitForSelector("text=Sign-in failed");
      await other.close();
      await signIn(page, gateway.url, adminKey);
    });

    await t.step("see the shipped tools and run one from its form", async () => {
      await page.click("nav >> text=Tools");
      await page.waitForSelector("text=text_stats");
      for (const name of ["demo_echo", "uuid_generate"]) {
        assert.ok(await page.isVisible(`text=${name}`), `${name} listed`);
      }
      await page.click("button[aria-label='Open text_stats']");
      await page.fill("#arg-text", "one two three");
      await page.click("text=Run text_stats");
      const result = await page.waitForSelector("[data-testid=tool-result]");
      assert.match(await result.textContent() ?? "", /"words":\s*3/);
      await page.evaluate("window.scrollTo(0, 0)");
      await screenshot(page, "tools");
    });

    let clientKey = "";
    await t.step("create a client key, use it with an MCP client, revoke it", async () => {
      await page.click("nav >> text=Clients");
      await page.fill("input[name=name]", "console-e2e");
      await page.fill("input[name=days]", "7");
      await page.click("text=Create key");
      clientKey = (await (await page.waitForSelector("[data-testid=issued-key]")).textContent())!;
      assert.match(clientKey, /^nxk_/);
      await using client = await connectAs("2025-11-25", gateway.mcpUrl, clientKey);
      const answer = await client.callTool({ name: "text_stats", arguments: { text: "a b" } });
      assert.notEqual(answer.isError, true);
      await screenshot(page, "clients");
      await page.click("text=Done");
      await page.click("button[aria-label='Revoke console-e2e']");
      await page.waitForSelector("tr:has-text('console-e2e') >> text=revoked");
      await assert.rejects(
        connectAs("2025-11-25", gateway.mcpUrl, clientKey),
        /Invalid API key|401/i,
      );
    });

    await t.step("set and rotate a credential; its value never comes back", async () => {
      await page.click("nav >> text=Credentials");
      const watched = recorder.watchResponses();
      await page.fill("form[aria-label='Set credential'] input[name=name]", "console_cred");
      await page.selectOption("select[name=kind]", "api_key");
      await page.fill("form[aria-label='Set credential'] input[name=secret]", SECRET_1);
      await page.fill("input[name=settings]", '{"header":"x-api-key"}');
      await page.click("text=Save");
      await page.waitForSelector("tr:has-text('console_cred')");
      await page.fill("input[aria-label='New value for console_cred']", SECRET_2);
      await page.click("tr:has-text('console_cred') >> text=Rotate");
      await page.waitForSelector("tr:has-text('console_cred') >> td:text-is('2')");
      await page.click("button[aria-label='Test console_cred']");
      await page.waitForSelector("text=Test of console_cred");
      await screenshot(page, "credentials");
      const bodies = await watched.stop();
      assert.ok(bodies.length >= 3, "responses were recorded");
      for (const secret of [SECRET_1, SECRET_2]) {
        assert.ok(!(await page.content()).includes(secret), "value not in the page");
        assert.ok(!bodies.some((body) => body.includes(secret)), "value not in any response");
      }
      const listed = await adminGet(`${gateway.url}/admin/credentials/console_cred`, adminKey);
      assert.ok(!JSON.stringify(listed).includes(SECRET_2));
    });

    await t.step("filter the audit log and see the calls just made", async () => {
      await page.click("nav >> text=Audit");
      await page.fill("form[aria-label='Audit filters'] input[name=client]", "console-e2e");
      await page.waitForSelector("td >> text=clients.create");
      await page.click("text=Filter");
      // Why wait: the unfiltered page is shown until the filtered answer replaces it. Polled from
      // here: a string predicate would be eval'd in the page, which its CSP refuses.
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const shown = await page.$$eval("tbody tr", (trs) => trs.map((tr) => tr.textContent ?? ""));
        if (shown.length > 0 && shown.every((row) => row.includes("console-e2e"))) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const rows = await page.$$eval("tbody tr", (trs) => trs.map((tr) => tr.textContent ?? ""));
      assert.ok(rows.some((row) => row.includes("text_stats")), rows.join());
      assert.ok(
        !rows.some((row) => row.includes("clients.create")),
        "the admin's rows filtered out",
      );
      await screenshot(page, "audit");
    });

    await t.step("the live tail shows a new audit row as it is written", async () => {
      await page.fill("form[aria-label='Audit filters'] input[name=client]", "");
      await page.selectOption("select[name=outcome]", "ok");
      const filtered = page.waitForResponse((r) => r.url().includes("/admin/audit?outcome=ok"));
      await page.click("text=Filter");
      await (await filtered).finished();
      await page.waitForSelector("td >> text=credentials.test");
      const before = await page.locator("td >> text=credentials.test").count();
      // Why wait for the stream: the tail starts after the newest row at connect.
      const streaming = page.waitForResponse((r) => r.url().includes("/admin/audit/tail"));
      await page.check("text=Live tail");
      assert.equal((await streaming).status(), 200);
      const tested = await fetch(`${gateway.url}/admin/credentials/console_cred/test`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}` },
      });
      assert.equal(tested.status, 200);
      await tested.body?.cancel();
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        if (await page.locator("td >> text=credentials.test").count() > before) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.ok(await page.locator("td >> text=credentials.test").count() > before, "tailed row");
      await page.uncheck("text=Live tail");
    });

    await t.step("the Upstreams and Overview pages load; Overview counts the calls", async () => {
      await page.click("nav >> text=Upstreams");
      await page.waitForSelector("text=No upstream MCP servers configured");
      await screenshot(page, "upstreams");
      await page.click("nav >> text=Overview");
      await page.waitForSelector(
        ".stat:has-text('Calls since start') >> strong:not(:text-is('0'))",
      );
      await screenshot(page, "overview");
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, "overview-phone");
      await page.setViewportSize({ width: 1280, height: 800 });
    });

    await t.step("keyboard: skip link first, pages reached with Tab and Enter", async () => {
      await page.goto(`${gateway.url}/console#/overview`);
      await page.reload();
      await page.waitForSelector("nav >> text=Overview");
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate("document.activeElement.textContent"), "Skip to content");
      for (let i = 0; i < 4; i++) await page.keyboard.press("Tab");
      assert.equal(await page.evaluate("document.activeElement.textContent"), "Clients");
      await page.keyboard.press("Enter");
      await page.waitForSelector("h1 >> text=Clients");
    });

    await t.step("a page of another origin drives no console action (CSRF)", async () => {
      await using foreign = foreignPage(gateway.url);
      const before = await adminGet(`${gateway.url}/admin/clients`, adminKey);
      // Why: the foreign page's refused requests are logged by Chromium as console errors.
      recorder.allowConsoleErrors(/CORS|Failed to fetch|net::ERR|status of 40|frame-ancestors/);
      const evil = await browser.newPage();
      recordPage(evil, recorder);
      await evil.goto(foreign.url);
      await evil.waitForFunction('document.title === "done"', undefined, { timeout: 20_000 });
      const report = JSON.parse(await evil.textContent("#report") ?? "{}");
      assert.equal(report.readSession, "blocked", "the session's CSRF token is not readable");
      await evil.close();
      assert.deepEqual(await adminGet(`${gateway.url}/admin/clients`, adminKey), before);
      const cred = await adminGet(`${gateway.url}/admin/credentials/console_cred`, adminKey);
      assert.equal(cred.activeVersion, 2, "no rotation by the foreign page");
      await page.reload();
      await page.waitForSelector("nav >> text=Overview");
    });

    await t.step("no console errors and no request leaving loopback", () => {
      recorder.assertClean();
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    recorder.writeNotes(`${SHOTS_DIR}/measured.txt`);
  }
});
