/**
 * Disabled until configured: tools whose credential is not stored (or lacks the baseUrl setting
 * their file needs) are left out with a note naming the fix; notes group per file and reason.
 */

import assert from "node:assert/strict";
import { loadRegistry } from "../../lib/registry/load.ts";
import { createRegistryWatcher } from "../../lib/registry/watch.ts";
import { partitionByCredentials, summarizeDisabled } from "../../lib/registry/requirements.ts";
import { createToolsDir } from "../_support/registry_fixtures/tools_dir.ts";
import { loadYaml } from "../_support/registry_fixtures/yaml.ts";

const FILE = `setup: "run: nexus credentials set jira --kind basic"
baseUrl: { fromCredential: baseUrl, allow: ["https://*.atlassian.net"] }
tools:
  - name: jira_a
    description: A.
    auth: jira
    http: { url: /a }
  - name: jira_b
    description: B.
    auth: jira
    http: { url: /b }
  - name: open_c
    description: C.
    http: { url: "https://example.com/c" }
`;

Deno.test("partitionByCredentials() disables tools whose credential or baseUrl is missing", () => {
  const { tools } = loadYaml(FILE);
  const setup = () => "run: nexus credentials set jira --kind basic";
  const none = partitionByCredentials(tools, { credentials: new Map() }, setup);
  assert.deepEqual(none.served.map((tool) => tool.name), ["open_c"]);
  assert.deepEqual(none.disabled.map((note) => note.message), [
    'tool "jira_a" disabled: credential "jira" is not set: run: nexus credentials set jira --kind basic',
    'tool "jira_b" disabled: credential "jira" is not set: run: nexus credentials set jira --kind basic',
  ]);
  const noBase = partitionByCredentials(
    tools,
    { credentials: new Map([["jira", new Set(["kind", "username"])]]) },
    () => undefined,
  );
  assert.deepEqual(noBase.disabled.map((note) => note.message), [
    'tool "jira_a" disabled: credential "jira" has no baseUrl setting (the site its tools call)',
    'tool "jira_b" disabled: credential "jira" has no baseUrl setting (the site its tools call)',
  ]);
  const set = partitionByCredentials(
    tools,
    { credentials: new Map([["jira", new Set(["kind", "username", "baseUrl"])]]) },
    setup,
  );
  assert.deepEqual(set.served.map((tool) => tool.name), ["jira_a", "jira_b", "open_c"]);
  const locked = partitionByCredentials(
    tools,
    { credentials: new Map([["jira", new Set(["baseUrl"])]]), unusable: "no master key" },
    () => undefined,
  );
  assert.deepEqual(
    locked.disabled.map((note) => note.message)[0],
    'tool "jira_a" disabled: credential "jira" cannot be used: no master key',
  );
  assert.deepEqual(partitionByCredentials(tools, undefined, setup).served.length, 3);
});

Deno.test("summarizeDisabled() gives one line per file and reason", () => {
  const notes = [
    { file: "t.yaml", line: 4, message: 'tool "a" disabled: credential "x" is not set' },
    { file: "t.yaml", line: 9, message: 'tool "b" disabled: credential "x" is not set' },
    { file: "t.yaml", line: 12, message: 'tool "c" disabled: credential "y" is not set' },
  ];
  assert.deepEqual(summarizeDisabled(notes), [
    { file: "t.yaml", line: 4, message: '2 tools disabled (a, b): credential "x" is not set' },
    { file: "t.yaml", line: 12, message: '1 tool disabled (c): credential "y" is not set' },
  ]);
});

Deno.test("loadRegistry() with a credential view serves what is configured, notes the rest", async () => {
  await using dir = await createToolsDir({ "jira.yaml": FILE });
  const view = { credentials: new Map([["other", new Set<string>()]]) };
  const { snapshot, disabled, problems } = await loadRegistry(dir.dir, {
    credentials: () => Promise.resolve(view),
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(snapshot.tools.map((tool) => tool.name), ["open_c"]);
  assert.equal(disabled.length, 2);
  assert.equal(disabled[0]?.line, 4);
});

Deno.test("the watcher re-reads the vault and swaps when a credential appears or goes", async () => {
  await using dir = await createToolsDir({ "jira.yaml": FILE });
  const credentials = new Map<string, ReadonlySet<string>>();
  const swaps: string[][] = [];
  const watcher = await createRegistryWatcher(dir.dir, {
    credentials: () => Promise.resolve({ credentials: new Map(credentials) }),
    credentialsRecheckMs: 20,
    onSwap: (snapshot) => void swaps.push(snapshot.tools.map((tool) => tool.name)),
  });
  try {
    assert.deepEqual(watcher.current().tools.map((tool) => tool.name), ["open_c"]);
    assert.equal(watcher.disabled().length, 2);
    credentials.set("jira", new Set(["baseUrl"]));
    assert.ok(await until(() => swaps.length === 1), "swapped once the credential was stored");
    assert.deepEqual(swaps[0], ["jira_a", "jira_b", "open_c"]);
    assert.deepEqual(watcher.disabled(), []);
    credentials.delete("jira");
    assert.ok(await until(() => swaps.length === 2), "swapped once the credential was deleted");
    assert.deepEqual(swaps[1], ["open_c"]);
  } finally {
    await watcher.close();
  }
});

async function until(condition: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((done) => setTimeout(done, 10));
  return condition();
}
