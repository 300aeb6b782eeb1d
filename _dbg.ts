import { launchBrowser } from "./tests/_support/browser.ts";
await using b = await launchBrowser();
const page = b.pages()[0] ?? await b.newPage();
page.on("console", (m) => console.log("console:", m.type(), m.text()));
page.on("pageerror", (e) => console.log("pageerror:", String(e)));
page.setDefaultTimeout(8000);
await page.goto("http://127.0.0.1:18931/console");
await page.fill("#key", Deno.readTextFileSync("/tmp/cons_key").trim());
await page.click("button[type=submit]");
await page.waitForTimeout(2500);
await page.screenshot({ path: "/tmp/s1.png" });
for (const p of ["clients", "credentials", "audit", "tools", "upstreams"]) {
  await page.goto(`http://127.0.0.1:18931/console#/${p}`);
  await page.waitForTimeout(1200);
  await page.screenshot({ path: `/tmp/s_${p}.png` });
}
console.log("done");
