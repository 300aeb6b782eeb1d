/**
 * `importOpenApi()` on the synthetic description (recursive schemas, allOf/oneOf/anyOf, missing
 * operationIds, colliding names, form bodies, header and cookie parameters) and on bad input:
 * the tool file it writes, checked field by field and loaded by the real registry.
 */

import assert from "node:assert/strict";
import { parse } from "yaml";
import { isGatewayError } from "../../lib/errors.ts";
import { importOpenApi, type ImportResult } from "../../lib/openapi/mod.ts";
import { loadRegistry } from "../../lib/registry/mod.ts";
import { fixture, sharedSpec } from "./_recorder.ts";

type Tool = {
  name: string;
  title?: string;
  description: string;
  annotations: Record<string, boolean>;
  auth?: string;
  tags?: string[];
  input: {
    properties: Record<string, Record<string, unknown>>;
    required?: string[];
    additionalProperties: boolean;
  };
  http: {
    method: string;
    url: string;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    body?: unknown;
  };
};

function toolsOf(result: ImportResult): { baseUrl: string; tools: Tool[] } {
  return parse(result.yaml) as { baseUrl: string; tools: Tool[] };
}

function toolNamed(tools: Tool[], name: string): Tool {
  const tool = tools.find((candidate) => candidate.name === name);
  assert.ok(tool, `no tool "${name}" in ${tools.map((t) => t.name).join(", ")}`);
  return tool;
}

/** Loads the file through the registry, as `nexus check` does; returns the problems. */
async function registryProblems(yaml: string): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "nexus-openapi-" });
  try {
    await Deno.writeTextFile(`${dir}/imported.yaml`, yaml);
    const { problems, snapshot } = await loadRegistry(dir);
    assert.ok(problems.length > 0 || snapshot.tools.length > 0, "the registry loaded no tool");
    return problems.map((problem) => `${problem.line}: ${problem.message}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function rejects(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isGatewayError(error), String(error));
    assert.equal(error.code, "INVALID_INPUT");
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("importOpenApi() maps the synthetic description and the registry loads every tool", async () => {
  const result = await importOpenApi(fixture("synthetic.yaml"));
  const { baseUrl, tools } = toolsOf(result);
  assert.equal(baseUrl, "https://api.example.test/v2", "server variables take their defaults");
  assert.deepEqual(tools.map((tool) => tool.name), [
    "getTree",
    "replaceTree",
    "getTree_2",
    "get_nodes",
    "post_nodes",
    "move_node",
    "login",
    "list_items",
    "list_items_2",
    "createGraph",
  ]);
  assert.equal(result.operations, 11);
  assert.deepEqual(result.renamed, [
    { operation: "DELETE /trees/{treeId}", wanted: "getTree", name: "getTree_2" },
    { operation: "GET /list_items", wanted: "list_items", name: "list_items_2" },
  ]);
  assert.deepEqual(result.skipped.map((skip) => skip.operation), ["OPTIONS /graphs"]);
  const login = toolNamed(tools, "login");
  assert.deepEqual(login.http, {
    method: "POST",
    url: "/forms/login",
    body: { user: "{user}", password: "{password}" },
    bodyEncoding: "form",
  });
  assert.deepEqual(result.notes, [
    { tool: "getTree", note: 'optional cookie parameter "theme" left out' },
  ]);
  assert.deepEqual(await registryProblems(result.yaml), []);
});

Deno.test("importOpenApi() maps path, query, header and cookie parameters", async () => {
  const { tools } = toolsOf(await importOpenApi(fixture("synthetic.yaml")));
  const getTree = toolNamed(tools, "getTree");
  assert.deepEqual(getTree.http, {
    method: "GET",
    url: "/trees/{treeId}",
    query: { depth: "{depth}" },
    headers: { "X-Request-Id": "{X-Request-Id}", Cookie: "session={session}" },
  });
  assert.deepEqual(getTree.input.required, ["treeId", "session"]);
  assert.equal(getTree.input.additionalProperties, false);
  assert.ok(!("Accept" in getTree.input.properties), "an Accept parameter is ignored");
  assert.deepEqual(getTree.input.properties.depth, {
    type: "integer",
    default: 3,
    maximum: 10,
    exclusiveMinimum: 0,
  });
  assert.deepEqual(getTree.annotations, { readOnlyHint: true });
  assert.equal(getTree.title, "Get a tree");
  assert.equal(getTree.description, "Get a tree\n\nReturns one tree with its nodes.");

  const nodes = toolNamed(tools, "get_nodes");
  assert.deepEqual(nodes.http.query, {
    tag: "{tag}",
    ids: "{ids}",
    "filter[kind]": "{filter_kind}",
    "filter[owner]": "{filter_owner}",
    shape: "{shape}",
  });
  assert.equal(nodes.input.properties.tag!.type, "array", "exploded arrays stay arrays");
  assert.equal(nodes.input.properties.ids!.type, "string", "explode: false joins the values");
  assert.match(String(nodes.input.properties.ids!.description), /separated by ","/);
  assert.equal((nodes.input.properties.shape!.anyOf as unknown[]).length, 2);

  const move = toolNamed(tools, "move_node");
  assert.equal(move.http.url, "/nodes/{node_id}/move", "node.id becomes a placeholder name");
});

Deno.test("importOpenApi() flattens object bodies, keeps oneOf bodies whole, drops readOnly", async () => {
  const { tools } = toolsOf(await importOpenApi(fixture("synthetic.yaml")));
  const post = toolNamed(tools, "post_nodes");
  assert.equal(post.http.method, "POST");
  assert.deepEqual(post.http.body, {
    name: "{name}",
    color: "{color}",
    weight: "{weight}",
    code: "{code}",
    label: "{label}",
  });
  assert.deepEqual(post.input.required, ["name", "color"], "allOf parts' required merged");
  assert.ok(!("id" in post.input.properties), "the readOnly id is not an argument");
  const { weight, code, label, color, name } = post.input.properties;
  assert.deepEqual(weight, { type: ["number", "null"] }, "nullable, unknown format dropped");
  assert.equal(code!.pattern, "(?<!x)\\p{Lu}+");
  assert.equal(label!.pattern, undefined, "a pattern AJV cannot compile is dropped");
  assert.deepEqual(color!.enum, ["red", "green", "blue"]);
  assert.equal(color!.default, "green");
  assert.deepEqual(name!.examples, ["leaf"], "example becomes examples; x-internal dropped");
  assert.deepEqual(post.annotations, { readOnlyHint: false, destructiveHint: false });

  const move = toolNamed(tools, "move_node");
  assert.equal(move.http.body, "{body}");
  assert.equal((move.input.properties.body!.oneOf as unknown[]).length, 2);
  assert.ok(!("discriminator" in move.input.properties.body!));

  const graph = toolNamed(tools, "createGraph");
  assert.deepEqual(graph.http.headers, { "Content-Type": "application/vnd.synthetic+json" });
  assert.deepEqual(toolNamed(tools, "getTree_2").annotations, {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
  });
});

Deno.test("importOpenApi() cuts recursive schemas, also across files, and says so", async () => {
  const { tools } = toolsOf(await importOpenApi(fixture("synthetic.yaml")));
  const text = JSON.stringify(toolNamed(tools, "replaceTree").input);
  assert.match(text, /recursive \\"[^"\\]+\\", cut after 2 levels/);
  const graph = JSON.stringify(toolNamed(tools, "createGraph").input);
  assert.match(graph, /recursive \\"GraphNode\\", cut after 2 levels/);
  assert.ok(graph.length < 5000, `the cut schema stays small: ${graph.length} characters`);
});

Deno.test("importOpenApi() maps security schemes to credentials and their commands", async () => {
  const result = await importOpenApi(fixture("synthetic.yaml"));
  const { tools } = toolsOf(result);
  assert.equal(toolNamed(tools, "getTree").auth, "apikeyauth");
  assert.equal(toolNamed(tools, "list_items").auth, "bearerauth");
  assert.equal(toolNamed(tools, "list_items_2").auth, "oauth");
  assert.equal(toolNamed(tools, "createGraph").auth, "basicauth");
  assert.deepEqual(result.credentials.map((plan) => plan.command), [
    "nexus credentials set apikeyauth --kind api_key --header X-Api-Key",
    "nexus credentials set bearerauth --kind bearer",
    "nexus credentials set oauth --kind oauth2_client_credentials --token-url " +
    "https://auth.example.test/token --client-id CLIENT_ID --scope items:read",
    "nexus credentials set basicauth --kind basic --username USER",
  ]);
  assert.match(result.yaml, /^# {3}nexus credentials set apikeyauth --kind api_key/m);

  const fixed = await importOpenApi(fixture("synthetic.yaml"), { auth: "synth", prefix: "syn" });
  const named = toolsOf(fixed).tools;
  assert.ok(named.every((tool) => tool.name.startsWith("syn_")));
  // Why login apart: it declares `security: []`, so it needs no credential even with --auth.
  assert.equal(toolNamed(named, "syn_login").auth, undefined);
  const secured = named.filter((tool) => tool.name !== "syn_login");
  assert.ok(secured.every((tool) => tool.auth === "synth"));
  assert.deepEqual(fixed.credentials.map((plan) => plan.name), ["synth"]);
});

Deno.test("importOpenApi() filters with --include and --exclude globs", async () => {
  const byPath = await importOpenApi(fixture("synthetic.yaml"), {
    include: ["/nodes/**", "/trees/*"],
    exclude: ["getTree"],
  });
  assert.deepEqual(toolsOf(byPath).tools.map((tool) => tool.name), [
    "replaceTree",
    "move_node",
  ]);
  const byId = await importOpenApi(fixture("synthetic.yaml"), { include: ["list/*"] });
  assert.deepEqual(toolsOf(byId).tools.map((tool) => tool.name), ["list_items"]);
  await rejects(
    importOpenApi(fixture("synthetic.yaml"), { include: ["nothing*"] }),
    /no operation matches the filters/,
  );
});

Deno.test("importOpenApi() reads a description from a URL with its relative refs, never local files", async () => {
  const dir = new URL("./fixtures/", import.meta.url);
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (req) => {
    const name = new URL(req.url).pathname.slice(1);
    if (name === "local-file.json") {
      const ref = new URL("./fixtures/synthetic_common.yaml", import.meta.url).href;
      const schema = { $ref: `${ref}#/components/schemas/Tree` };
      const body = { content: { "application/json": { schema } } };
      return Response.json({
        openapi: "3.0.3",
        info: { title: "t", version: "1" },
        paths: { "/a": { post: { requestBody: body, responses: { "200": { description: "" } } } } },
      });
    }
    if (name === "specs/no-server.json") {
      return Response.json({
        swagger: "2.0",
        info: { title: "t", version: "1" },
        paths: { "/a": { get: { responses: { "200": { description: "" } } } } },
      });
    }
    if (!/^synthetic(_common)?\.yaml$/.test(name)) return new Response("no", { status: 404 });
    return new Response(await Deno.readTextFile(new URL(name, dir)), {
      headers: { "content-type": "application/yaml" },
    });
  });
  try {
    const url = `http://127.0.0.1:${server.addr.port}/synthetic.yaml`;
    const result = await importOpenApi(url, { include: ["replaceTree"] });
    const tree = toolNamed(toolsOf(result).tools, "replaceTree");
    assert.deepEqual(tree.input.required, ["treeId", "root"]);
    assert.match(JSON.stringify(tree.input), /cut after 2 levels/);
    const served = await importOpenApi(`http://127.0.0.1:${server.addr.port}/specs/no-server.json`);
    assert.equal(toolsOf(served).baseUrl, `http://127.0.0.1:${server.addr.port}`);
    await rejects(
      importOpenApi(`http://127.0.0.1:${server.addr.port}/local-file.json`),
      /Cannot import ".*local-file\.json": .*synthetic_common\.yaml/,
    );
    await rejects(
      importOpenApi(`http://127.0.0.1:${server.addr.port}/missing.yaml`),
      /Cannot import "http:\/\/127\.0\.0\.1:\d+\/missing\.yaml": /,
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("importOpenApi() rejects bad options and input with a clear error", async () => {
  await rejects(importOpenApi(fixture("nope.yaml")), /^Cannot import ".*nope\.yaml": /);
  await rejects(importOpenApi(fixture("synthetic_common.yaml")), /not an OpenAPI|Cannot import/);
  await rejects(
    importOpenApi(sharedSpec("oai-examples/v3.1/webhook-example.json")),
    /it has no operations/,
  );
  const dir = await Deno.makeTempDir({ prefix: "nexus-openapi-" });
  try {
    const paths = { "/a": { get: { responses: { "200": { description: "ok" } } } } };
    const info = { title: "t", version: "1" };
    await Deno.writeTextFile(
      `${dir}/relative.json`,
      JSON.stringify({ openapi: "3.1.0", info, servers: [{ url: "/api/v3" }], paths }),
    );
    await Deno.writeTextFile(
      `${dir}/hostless.json`,
      JSON.stringify({ swagger: "2.0", info, paths }),
    );
    await rejects(
      importOpenApi(`${dir}/relative.json`),
      /server URL "\/api\/v3" is not an absolute http\(s\) URL: pass --base-url/,
    );
    await rejects(importOpenApi(`${dir}/hostless.json`), /it names no server: pass --base-url/);
    const dangling = { "/b": { get: { parameters: [{ $ref: "#/parameters/Gone" }] } } };
    await Deno.writeTextFile(
      `${dir}/dangling.json`,
      JSON.stringify({ swagger: "2.0", info, host: "h.test", paths: dangling }),
    );
    await rejects(
      importOpenApi(`${dir}/dangling.json`),
      /Missing \$ref pointer "#\/parameters\/Gone"/,
    );
    const given = await importOpenApi(`${dir}/hostless.json`, { baseUrl: "http://127.0.0.1:1/x/" });
    assert.equal(toolsOf(given).baseUrl, "http://127.0.0.1:1/x");
    assert.deepEqual(toolsOf(given).tools.map((tool) => tool.name), ["get_a"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await rejects(
    importOpenApi(fixture("synthetic.yaml"), { baseUrl: "ftp://x" }),
    /--base-url "ftp:\/\/x" is not an absolute http\(s\) URL/,
  );
  await rejects(importOpenApi(fixture("synthetic.yaml"), { prefix: "a b" }), /Invalid --prefix/);
  await rejects(importOpenApi(fixture("synthetic.yaml"), { auth: "Bad!" }), /Invalid --auth/);
});

Deno.test("importOpenApi() writes the same file twice for the same description", async () => {
  const first = await importOpenApi(fixture("synthetic.yaml"));
  const second = await importOpenApi(fixture("synthetic.yaml"));
  assert.equal(first.yaml, second.yaml);
});

Deno.test("importOpenApi() holds up on odd shapes and every tool it writes loads", async () => {
  const result = await importOpenApi(fixture("odd_shapes.json"));
  const { tools } = toolsOf(result);
  assert.equal(tools.length, 7);
  assert.deepEqual(await registryProblems(result.yaml), []);
  const get = toolNamed(tools, "a.get");
  assert.deepEqual(get.http.query, { "bad ref": "{bad_ref}", q: "{c_q}" });
  assert.equal(get.http.headers, undefined, "Host and an invalid header name are left out");
  assert.deepEqual(toolNamed(tools, "get_b_xy.json").input.required, ["x", "y"]);
  assert.equal(toolNamed(tools, "get_b_xy.json").description, "ctrl[31m red");
  assert.deepEqual(toolNamed(tools, "long").input.properties.n, { type: "integer" });
  assert.equal(toolNamed(tools, "d").description, "Deprecated.");
  assert.deepEqual(
    result.notes.filter((note) => note.tool === "a.get").map((note) => note.note),
    [
      'header parameter "Host" cannot be templated: left out',
      'header parameter "bad header!" cannot be templated: left out',
    ],
  );
  assert.ok(
    result.notes.some((note) =>
      note.tool === "put_a_id" && /placeholder "\{id\}" has no parameter/.test(note.note)
    ),
  );
});
