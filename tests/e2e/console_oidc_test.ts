/**
 * The console's OIDC sign-in in headless Chromium against a real gateway and the local OIDC
 * provider stand-in: authorization code with PKCE; a user whose token carries the admin group
 * gets in and drives the admin API, one without it does not, and a callback the browser did not
 * begin (login CSRF) signs nobody in.
 */

import assert from "node:assert/strict";
import { launchBrowser } from "../_support/browser.ts";
import { createGatewayToolsDir, startGateway } from "../_support/gateway.ts";
import { startOidcProvider } from "../_support/oidc_provider.ts";

const AUDIENCE = "nexus-console-e2e";
const ADMINS = "nexus-admins";

Deno.test("console OIDC sign-in: the admin group gets in, nobody else does", async (t) => {
  await using idp = await startOidcProvider(AUDIENCE);
  await using tools = await createGatewayToolsDir();
  await using gateway = await startGateway({
    toolsDir: tools.dir,
    env: {
      NEXUS_AUTH_ISSUER: idp.issuer,
      NEXUS_AUTH_AUDIENCE: AUDIENCE,
      NEXUS_ADMIN_GROUP: ADMINS,
      NEXUS_CONSOLE_OIDC_CLIENT_ID: "nexus-console",
    },
  });
  await using browser = await launchBrowser();
  const page = browser.pages()[0] ?? await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));

  await t.step("a member of the admin group signs in with PKCE and sees the clients", async () => {
    idp.loginAs({ sub: "alice", azp: "nexus-console", groups: [ADMINS] });
    await page.goto(`${gateway.url}/console`);
    await page.click("text=Sign in with single sign-on");
    await page.waitForSelector("nav >> text=Overview");
    assert.equal(idp.tokenExchanges(), 1);
    await page.click("nav >> text=Clients");
    await page.waitForSelector("text=New client key");
    assert.match(await page.textContent(".who") ?? "", /jwt:/);
    const cookie = (await browser.cookies()).find((c) => c.name === "nexus_console");
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, "Strict");
  });

  await t.step("a user without the admin group is refused", async () => {
    await browser.clearCookies();
    idp.loginAs({ sub: "bob", azp: "nexus-console", groups: ["support"] });
    await page.goto(`${gateway.url}/console`);
    await page.click("text=Sign in with single sign-on");
    await page.waitForSelector("text=Sign-in failed");
    assert.equal(idp.tokenExchanges(), 2, "the code was exchanged, the token refused");
    assert.equal((await browser.cookies()).some((c) => c.name === "nexus_console"), false);
  });

  await t.step("a callback this browser did not begin signs nobody in", async () => {
    await browser.clearCookies();
    await page.goto(`${gateway.url}/console/oidc/callback?code=forged&state=forged`);
    await page.waitForSelector("text=Sign-in failed");
    assert.equal(idp.tokenExchanges(), 2, "no exchange for an unknown state");
    assert.equal((await browser.cookies()).some((c) => c.name === "nexus_console"), false);
  });
  assert.deepEqual(errors, []);
});
