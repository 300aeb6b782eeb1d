/**
 * `nexus import openapi` as the real CLI on real public descriptions (read in place from
 * `../shared/specs/`, GitHub's from the pinned npm package `@octokit/openapi`) and on the synthetic
 * one: the output passes `nexus check`, and generated tools called through the whole pipeline
 * (`nexus tools test`, credentials from the vault) reach the right method, path, query, headers
 * and body on a local recording server.
 */

import assert from "node:assert/strict";
import { parse } from "yaml";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { type CliRun, runNexus } from "../_support/cli.ts";
import { installNpmPackage, type NpmPackage } from "../_support/npm_package.ts";
import { fixture, type Recorded, sharedSpec, startRecorder } from "../openapi/_recorder.ts";

/** GitHub's REST description, pinned. */
const OCTOKIT_OPENAPI: NpmPackage = {
  name: "@octokit/openapi",
  version: "23.0.2",
  entry: "generated/api.github.com.json",
};

/** A tools dir, a data dir and a master key: what `check`, `credentials` and `tools test` need. */
interface Workspace extends AsyncDisposable {
  toolsDir: string;
  env: Record<string, string>;
}

async function createWorkspace(): Promise<Workspace> {
  const toolsDir = await Deno.makeTempDir({ prefix: "nexus-import-tools-" });
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-import-data-" });
  return {
    toolsDir,
    env: {
      NEXUS_TOOLS_DIR: toolsDir,
      NEXUS_DATA_DIR: dataDir,
      NEXUS_MASTER_KEY: generateMasterKey(),
      NEXUS_LOG_LEVEL: "warn",
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(toolsDir, { recursive: true });
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** Prints a measured figure in the test output (figures are printed, never asserted). */
function printFigure(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
}

/** Runs the import into the tools dir; returns the run and the tool count it reported. */
async function importInto(ws: Workspace, spec: string, file: string, flags: string[]) {
  const run = await runNexus([
    "import",
    "openapi",
    spec,
    "--out",
    `${ws.toolsDir}/${file}`,
    ...flags,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const imported = /^Imported (\d+) tool\(s\) from (\d+) operation\(s\).* in (\d+) ms/m.exec(
    run.stderr,
  );
  assert.ok(imported, run.stderr);
  return { run, tools: Number(imported[1]), operations: Number(imported[2]), ms: imported[3] };
}

// Why after the credentials are stored: a tool whose credential is missing is disabled until
// configured, and `nexus check` counts only the tools it would serve.
async function assertCheckPasses(ws: Workspace, tools: number): Promise<void> {
  const check = await runNexus(["check"], { env: ws.env });
  assert.match(check.stdout, new RegExp(`^${tools} tool\\(s\\) valid, 0 problem\\(s\\)$`, "m"));
  assert.equal(check.code, 0, check.stdout + check.stderr);
}

/** Runs each `nexus credentials set …` command the import printed, with `secret` on stdin. */
async function storePrintedCredentials(
  ws: Workspace,
  run: CliRun,
  secrets: Record<string, string>,
) {
  const commands = run.stderr.split("\n").map((line) =>
    /^ {2}nexus (credentials set .*?)(?: {2}#.*)?$/.exec(line)?.[1]
  )
    .filter((line): line is string => line !== undefined);
  for (const command of commands) {
    const args = command.split(" ");
    const secret = secrets[args[2]!];
    assert.ok(secret !== undefined, `no secret for the printed command: ${command}`);
    const set = await runNexus(args, { env: ws.env, stdin: secret });
    assert.equal(set.code, 0, set.stderr);
  }
  assert.deepEqual(
    commands.map((command) => command.split(" ")[2]).sort(),
    Object.keys(secrets).sort(),
  );
}

/** Calls a tool through the whole pipeline; returns what the recorder received. */
async function callTool(
  ws: Workspace,
  recorder: { requests: Recorded[] },
  name: string,
  args: Record<string, unknown>,
): Promise<Recorded> {
  const before = recorder.requests.length;
  const run = await runNexus(["tools", "test", name, "--args", JSON.stringify(args)], {
    env: ws.env,
  });
  assert.equal(run.code, 0, `${name}: ${run.stdout}\n${run.stderr}`);
  assert.equal(recorder.requests.length, before + 1, `${name} sent one request`);
  return recorder.requests[before]!;
}

Deno.test("import: the Swagger Petstore (OpenAPI 3.0) passes check and its tools reach the recorder", async () => {
  await using recorder = startRecorder();
  await using ws = await createWorkspace();
  const { run, tools } = await importInto(
    ws,
    sharedSpec("swagger-petstore/openapi.yaml"),
    "petstore.yaml",
    [
      "--base-url",
      `${recorder.url}/api/v3`,
    ],
  );
  assert.equal(tools, 19);
  await storePrintedCredentials(ws, run, { api_key: "key-5521", petstore_auth: "tok-8812" });
  await assertCheckPasses(ws, 19);

  const get = await callTool(ws, recorder, "getPetById", { petId: 7 });
  assert.equal(get.method, "GET");
  assert.equal(get.path, "/api/v3/pet/7");
  assert.equal(get.headers.api_key, "key-5521", "the api_key credential is injected");

  const find = await callTool(ws, recorder, "findPetsByStatus", { status: "sold" });
  assert.equal(find.path, "/api/v3/pet/findByStatus");
  assert.deepEqual(find.query, { status: ["sold"] });
  assert.equal(find.headers.authorization, "Bearer tok-8812");

  const add = await callTool(ws, recorder, "addPet", {
    name: "rex",
    photoUrls: ["https://img.example/rex.png"],
    status: "available",
  });
  assert.equal(add.method, "POST");
  assert.equal(add.path, "/api/v3/pet");
  assert.equal(add.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(add.body), {
    name: "rex",
    photoUrls: ["https://img.example/rex.png"],
    status: "available",
  });

  const form = await callTool(ws, recorder, "updatePetWithForm", { petId: 3, name: "max" });
  assert.equal(form.method, "POST");
  assert.equal(form.path, "/api/v3/pet/3");
  assert.deepEqual(form.query, { name: ["max"] });
});

Deno.test("import: the OpenAPI Initiative's 2.0, 3.0 and 3.1 examples and a split 2.0 spec", async () => {
  await using recorder = startRecorder();
  await using ws = await createWorkspace();
  const base = ["--base-url", recorder.url];
  const specs: Array<[string, string]> = [
    ["oai-examples/v2.0/json/petstore.json", "v20"],
    ["oai-examples/v2.0/yaml/petstore-expanded.yaml", "v20x"],
    ["oai-examples/v2.0/json/petstore-separate/spec/swagger.json", "split"],
    ["oai-examples/v2.0/yaml/petstore-separate/spec/swagger.yaml", "splity"],
    ["oai-examples/v2.0/json/uber.json", "uber"],
    ["oai-examples/v2.0/json/api-with-examples.json", "v20ex"],
    ["oai-examples/v3.0/petstore-expanded.json", "v30"],
    ["oai-examples/v3.0/uspto.json", "uspto"],
    ["oai-examples/v3.0/link-example.json", "links"],
    ["oai-examples/v3.0/callback-example.json", "callbacks"],
    ["oai-examples/v3.0/api-with-examples.json", "v30ex"],
    ["oai-examples/v3.1/non-oauth-scopes.json", "v31"],
  ];
  let total = 0;
  let credentials: CliRun | undefined;
  // Three imports at a time: each is its own process, and the machine has two cores.
  for (let at = 0; at < specs.length; at += 3) {
    const batch = specs.slice(at, at + 3);
    const runs = await Promise.all(
      batch.map(([spec, prefix]) =>
        importInto(ws, sharedSpec(spec), `${prefix}.yaml`, [...base, "--prefix", prefix])
      ),
    );
    runs.forEach(({ run, tools }, index) => {
      const [spec, prefix] = batch[index]!;
      assert.ok(tools > 0, `${spec}: no tools`);
      total += tools;
      if (prefix === "v31") credentials = run;
    });
  }
  await storePrintedCredentials(ws, credentials!, { v31_bearerauth: "jwt-3131" });
  await assertCheckPasses(ws, total);

  const list = await callTool(ws, recorder, "v20_listPets", { limit: 5 });
  assert.equal(list.method, "GET");
  assert.equal(list.path, "/pets");
  assert.deepEqual(list.query, { limit: ["5"] });

  const split = await callTool(ws, recorder, "split_findPets", { tags: "cat,dog", limit: 2 });
  assert.deepEqual(split.query, { tags: ["cat,dog"], limit: ["2"] });

  const added = await callTool(ws, recorder, "v20x_addPet", { name: "tom", tag: "cat" });
  assert.equal(added.method, "POST");
  assert.deepEqual(JSON.parse(added.body), { name: "tom", tag: "cat" });

  const allOf = await callTool(ws, recorder, "v30_addPet", { name: "rex", tag: "dog" });
  assert.equal(allOf.path, "/pets");
  assert.deepEqual(JSON.parse(allOf.body), { name: "rex", tag: "dog" });

  const deleted = await callTool(ws, recorder, "v30_deletePet", { id: 9 });
  assert.equal(deleted.method, "DELETE");
  assert.equal(deleted.path, "/pets/9");
  assert.equal(deleted.body, "");

  const fields = await callTool(ws, recorder, "uspto_list-searchable-fields", {
    dataset: "oa_citations",
    version: "v1",
  });
  assert.equal(fields.path, "/oa_citations/v1/fields");

  const users = await callTool(ws, recorder, "v31_get_users", {});
  assert.equal(users.path, "/users");
  assert.equal(users.headers.authorization, "Bearer jwt-3131");

  const webhooks = await runNexus([
    "import",
    "openapi",
    sharedSpec("oai-examples/v3.1/webhook-example.json"),
  ]);
  assert.equal(webhooks.code, 1);
  assert.match(webhooks.stderr, /^Cannot import ".*webhook-example\.json": it has no operations$/m);
  const usage = await runNexus(["import", "graphql", "schema.graphql"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^Usage: nexus import openapi SPEC/m);
});

Deno.test("import: GitHub's REST description (@octokit/openapi) imports, passes check and calls", async () => {
  const spec = await installNpmPackage(OCTOKIT_OPENAPI);
  await using recorder = startRecorder();
  await using ws = await createWorkspace();
  const started = performance.now();
  const { run, tools, operations, ms } = await importInto(ws, spec, "github.yaml", [
    "--base-url",
    recorder.url,
    "--auth",
    "github",
  ]);
  const wall = Math.round(performance.now() - started);
  printFigure(
    `GitHub ${OCTOKIT_OPENAPI.version}: ${tools} tools from ${operations} operations, ` +
      `import ${ms} ms (CLI wall time ${wall} ms)`,
  );
  assert.ok(operations > 1000 && tools > 1000, `${tools} tools from ${operations} operations`);
  await storePrintedCredentials(ws, run, { github: "ghp-test-4417" });
  const checkStarted = performance.now();
  await assertCheckPasses(ws, tools);
  printFigure(`nexus check on ${tools} tools: ${Math.round(performance.now() - checkStarted)} ms`);

  const created = await callTool(ws, recorder, "issues_create", {
    owner: "octo",
    repo: "hello",
    title: "Found a bug",
    labels: ["bug"],
  });
  assert.equal(created.method, "POST");
  assert.equal(created.path, "/repos/octo/hello/issues");
  assert.deepEqual(JSON.parse(created.body), { title: "Found a bug", labels: ["bug"] });
  assert.equal(created.headers.authorization, "Bearer ghp-test-4417");

  const listed = await callTool(ws, recorder, "issues_list-for-repo", {
    owner: "octo",
    repo: "hello",
    state: "open",
    labels: "bug,ui",
    per_page: 5,
  });
  assert.equal(listed.method, "GET");
  assert.equal(listed.path, "/repos/octo/hello/issues");
  assert.deepEqual(listed.query, { state: ["open"], labels: ["bug,ui"], per_page: ["5"] });
});

Deno.test("import: the synthetic description to stdout; parameters, cookies and bodies on the wire", async () => {
  await using recorder = startRecorder();
  await using ws = await createWorkspace();
  const printed = await runNexus([
    "import",
    "openapi",
    fixture("synthetic.yaml"),
    "--base-url",
    recorder.url,
  ]);
  assert.equal(printed.code, 0, printed.stderr);
  const file = parse(printed.stdout) as { tools: Array<{ name: string }> };
  assert.equal(file.tools.length, 10);
  assert.doesNotMatch(printed.stderr, /^skipped: POST \/forms\/login/m);
  assert.match(
    printed.stderr,
    /^renamed: DELETE \/trees\/\{treeId\}: "getTree" is taken, named "getTree_2"$/m,
  );
  await Deno.writeTextFile(`${ws.toolsDir}/synthetic.yaml`, printed.stdout);
  await storePrintedCredentials(ws, printed, {
    apikeyauth: "k-1",
    bearerauth: "b-2",
    basicauth: "p-3",
    oauth: "s-4",
  });
  await assertCheckPasses(ws, 10);

  const tree = await callTool(ws, recorder, "getTree", {
    treeId: "t1",
    depth: 2,
    session: "s3",
    "X-Request-Id": "0b6c1c2e-4d5f-4a3b-9c8d-7e6f5a4b3c2d",
  });
  assert.equal(tree.path, "/trees/t1");
  assert.deepEqual(tree.query, { depth: ["2"] });
  assert.equal(tree.headers.cookie, "session=s3");
  assert.equal(tree.headers["x-request-id"], "0b6c1c2e-4d5f-4a3b-9c8d-7e6f5a4b3c2d");
  assert.equal(tree.headers["x-api-key"], "k-1");

  const nodes = await callTool(ws, recorder, "get_nodes", {
    tag: ["red", "blue"],
    ids: "1,2",
    filter_kind: "leaf",
    shape: 4,
  });
  assert.deepEqual(nodes.query, {
    tag: ["red", "blue"],
    ids: ["1,2"],
    "filter[kind]": ["leaf"],
    shape: ["4"],
  });

  const moved = await callTool(ws, recorder, "move_node", { node_id: 5, body: { kind: "root" } });
  assert.equal(moved.path, "/nodes/5/move");
  assert.deepEqual(JSON.parse(moved.body), { kind: "root" });

  const login = await callTool(ws, recorder, "login", { user: "ana lu", password: "p&q=1" });
  assert.equal(login.method, "POST");
  assert.equal(login.headers["content-type"], "application/x-www-form-urlencoded");
  assert.equal(login.body, "user=ana+lu&password=p%26q%3D1");

  const graph = await callTool(ws, recorder, "createGraph", {
    name: "g",
    first: { value: "a", edges: [{ weight: 1, to: { value: "b" } }] },
  });
  assert.equal(graph.headers["content-type"], "application/vnd.synthetic+json");
  assert.equal(graph.headers.authorization, `Basic ${btoa("USER:p-3")}`);
  assert.deepEqual(JSON.parse(graph.body), {
    name: "g",
    first: { value: "a", edges: [{ weight: 1, to: { value: "b" } }] },
  });
});
