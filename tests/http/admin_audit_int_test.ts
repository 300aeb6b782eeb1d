/**
 * `/admin/audit` on a real in-process gateway, on the embedded store and on Postgres: every admin
 * write leaves a row with the administrator's identity (kind `admin`) and never a secret; the
 * filters (client, tool, outcome, since, until) and the opaque cursor page through the rows; and
 * `/admin/audit/tail` streams new rows as they are written.
 */

import assert from "node:assert/strict";
import type { StoredAuditRow } from "../../lib/store/mod.ts";
import { DIALECTS, storeTest } from "../store/_stores.ts";
import { openAdminGateway } from "./_admin_gateway.ts";

const SECRET = "tok-console-audit-4711";

type Page = { rows: StoredAuditRow[]; next?: string };

async function untilRows(
  read: () => Promise<Page>,
  enough: (page: Page) => boolean,
): Promise<Page> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const page = await read();
    if (enough(page) || Date.now() > deadline) return page;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const dialect of DIALECTS) {
  Deno.test(
    storeTest(dialect, "every admin write is audited as the admin, without secrets", async () => {
      await using env = await openAdminGateway(dialect);
      const answers: string[] = [];
      const send = async (method: string, path: string, body?: unknown) => {
        const response = await env.admin(method, path, body);
        answers.push(await response.text());
        return response.status;
      };
      assert.equal(await send("POST", "/clients", { name: "bot" }), 201);
      const issued = JSON.parse(answers.at(-1)!).key as string;
      assert.equal(await send("DELETE", "/clients/bot"), 200);
      assert.equal(await send("DELETE", "/clients/nobody"), 404);
      assert.equal(await send("PUT", "/credentials/jira", { kind: "bearer", secret: SECRET }), 201);
      assert.equal(await send("POST", "/credentials/jira/rotate", { secret: `${SECRET}-2` }), 200);
      assert.equal(await send("POST", "/credentials/jira/test", {}), 200);
      assert.equal(await send("DELETE", "/credentials/jira"), 204);
      const read = async () => await (await env.admin("GET", "/audit?client=ops")).json() as Page;
      const { rows } = await untilRows(read, (page) => page.rows.length >= 7);
      const actions = rows.map((
        row,
      ) => [row.tool, JSON.parse(row.args ?? "{}").target, row.outcome])
        .reverse();
      assert.deepEqual(actions, [
        ["clients.create", "bot", "ok"],
        ["clients.revoke", "bot", "ok"],
        ["clients.revoke", "nobody", "error"],
        ["credentials.set", "jira", "ok"],
        ["credentials.rotate", "jira", "ok"],
        ["credentials.test", "jira", "ok"],
        ["credentials.delete", "jira", "ok"],
      ]);
      for (const row of rows) {
        assert.equal(row.clientKind, "admin");
        assert.equal(row.clientName, "ops");
        assert.equal(row.server, "admin");
      }
      assert.equal(rows.find((row) => row.outcome === "error")?.errorCode, "NOT_FOUND");
      const everything = JSON.stringify(rows);
      assert.ok(!everything.includes(SECRET), "no credential secret in the audit rows");
      assert.ok(!everything.includes(issued), "no client key in the audit rows");
    }),
  );

  Deno.test(
    storeTest(dialect, "GET /admin/audit filters and pages with an opaque cursor", async () => {
      await using env = await openAdminGateway(dialect);
      const before = Date.now();
      for (let i = 0; i < 7; i++) {
        assert.equal((await env.admin("POST", "/clients", { name: `bot${i}` })).status, 201);
      }
      await (await env.admin("DELETE", "/clients/ghost")).body?.cancel();
      const all = await untilRows(
        async () => await (await env.admin("GET", "/audit?limit=500")).json(),
        (page) => page.rows.length >= 8,
      );
      assert.equal(all.rows.length, 8);
      assert.equal(all.next, undefined, "no next page when the page is not full");
      const targets: string[] = [];
      let cursor = "";
      let pages = 0;
      do {
        const page = await (await env.admin(
          "GET",
          `/audit?tool=clients.create&limit=3${cursor ? `&cursor=${cursor}` : ""}`,
        )).json() as Page;
        targets.push(...page.rows.map((row) => JSON.parse(row.args!).target));
        cursor = page.next ?? "";
        pages++;
      } while (cursor !== "" && pages < 10);
      assert.deepEqual(targets, ["bot6", "bot5", "bot4", "bot3", "bot2", "bot1", "bot0"]);
      const errors = await (await env.admin("GET", "/audit?outcome=error")).json() as Page;
      assert.deepEqual(errors.rows.map((row) => row.tool), ["clients.revoke"]);
      const none = await (await env.admin("GET", `/audit?until=${before}`)).json() as Page;
      assert.equal(none.rows.length, 0);
      const since = await (await env.admin("GET", `/audit?since=${new Date(before).toISOString()}`))
        .json() as Page;
      assert.equal(since.rows.length, 8);
      for (const bad of ["limit=501", "cursor=nonsense", "since=yesterday"]) {
        const response = await env.admin("GET", `/audit?${bad}`);
        assert.equal(response.status, 400, bad);
        assert.equal((await response.json()).error.code, "INVALID_INPUT");
      }
    }),
  );
}

Deno.test("GET /admin/audit/tail streams new rows matching its filters as they are written", async () => {
  await using env = await openAdminGateway("sqlite");
  assert.equal((await env.admin("POST", "/clients", { name: "before" })).status, 201);
  // Why wait: a tail starts after the newest row written; "before" must be written by then.
  await untilRows(
    async () => await (await env.admin("GET", "/audit")).json(),
    (page) => page.rows.length === 1,
  );
  const response = await env.admin("GET", "/audit/tail?tool=clients.create");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (const name of ["one", "two"]) {
    assert.equal((await env.admin("POST", "/clients", { name })).status, 201);
  }
  await (await env.admin("DELETE", "/clients/one")).body?.cancel();
  let text = "";
  const deadline = Date.now() + 10_000;
  while (!text.includes('"target\\":\\"two') && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  await reader.cancel();
  const events = text.split("\n\n").filter((block) => block.includes("event: audit"));
  const rows = events.map((block) => JSON.parse(/^data: (.*)$/m.exec(block)![1]!));
  assert.deepEqual(rows.map((row) => JSON.parse(row.args).target), ["one", "two"]);
  assert.ok(events.every((block) => /^id: \d+$/m.test(block)), "each event carries its row id");
});

Deno.test(
  storeTest("postgres", "a tail on one instance streams rows another instance wrote", async () => {
    await using first = await openAdminGateway("postgres");
    await using second = await openAdminGateway("postgres", {
      env: { NEXUS_DATABASE_URL: first.databaseUrl! },
      adminName: "ops2",
    });
    const response = await second.admin("GET", "/audit/tail?client=ops");
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal((await first.admin("POST", "/clients", { name: "elsewhere" })).status, 201);
    let text = "";
    const deadline = Date.now() + 10_000;
    while (!text.includes("event: audit") && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    await reader.cancel();
    const row = JSON.parse(/^data: (.*)$/m.exec(text)?.[1] ?? "null");
    assert.equal(row?.tool, "clients.create", text);
    assert.deepEqual(JSON.parse(row.args), { target: "elsewhere" });
  }),
);
