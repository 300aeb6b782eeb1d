/**
 * The Dockerfile passes the dockerfile-utils linter (the VS Code Docker extension's) and its final
 * stage runs the compiled binary as non-root under tini, with a healthcheck and no `-A`.
 */

import assert from "node:assert/strict";
import { installDockerfileUtils, runNode } from "./_tools.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

interface Diagnostic {
  message: string;
  range: { start: { line: number } };
}

const NODE_LINT = `
const { createRequire } = await import("node:module");
const utils = createRequire(import.meta.url)(process.argv[1]);
let input = "";
for await (const chunk of process.stdin) input += chunk;
process.stdout.write(JSON.stringify(utils.validate(input)));
`;

async function lint(text: string): Promise<Diagnostic[]> {
  const result = await runNode(NODE_LINT, [await installDockerfileUtils()], text);
  assert.equal(result.code, 0, `Cannot lint the Dockerfile: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Instructions (continuations joined) of the Dockerfile, split into stages at each FROM. */
function stages(text: string): string[][] {
  const lines = text.replace(/\\\n/g, " ").split("\n").map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const result: string[][] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) result.push([]);
    result.at(-1)?.push(line);
  }
  return result;
}

Deno.test("the Dockerfile has no linter diagnostics, and the linter reports a broken one", async () => {
  const text = await Deno.readTextFile(`${ROOT}Dockerfile`);
  const diagnostics = await lint(text);
  assert.deepEqual(diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`), []);
  const broken = await lint(text.replace(/^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, "HEALTHCHECK CMD\n"));
  assert.ok(broken.length > 0, "the linter accepted a HEALTHCHECK without a command");
});

Deno.test("the build stage is denoland/deno pinned to CI's Deno version and compiles through the task", async () => {
  const text = await Deno.readTextFile(`${ROOT}Dockerfile`);
  const ci = await Deno.readTextFile(`${ROOT}.ci/run`);
  const version = /DENO_VERSION="([^"]+)"/.exec(ci)?.[1];
  const [build, runtime, ...rest] = stages(text);
  assert.equal(rest.length, 0, "expected two stages");
  assert.equal(build?.[0], `FROM denoland/deno:${version} AS build`);
  assert.ok(build?.some((line) => /deno task compile --target/.test(line)), "no deno task compile");
  assert.match(runtime?.[0] ?? "", /^FROM gcr\.io\/distroless\/cc-debian12:nonroot$/);
});

Deno.test("the runtime stage runs as non-root under tini with a healthcheck, and nothing grants -A", async () => {
  const text = await Deno.readTextFile(`${ROOT}Dockerfile`);
  const runtime = stages(text)[1] ?? [];
  const user = runtime.filter((line) => line.startsWith("USER "));
  assert.deepEqual(user, ["USER 65532:65532"]);
  const healthcheck = runtime.find((line) => line.startsWith("HEALTHCHECK "));
  assert.match(
    healthcheck ?? "",
    /CMD \["\/usr\/local\/bin\/nexus", "health", "--url", "http:\/\/127\.0\.0\.1:8080\/healthz"\]/,
  );
  assert.ok(
    runtime.includes('ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/nexus"]'),
    "the binary does not run under tini",
  );
  assert.ok(runtime.includes('VOLUME ["/var/lib/nexus"]'));
  assert.doesNotMatch(text, /(^|\s)(-A|--allow-all)(\s|$)/m);
});
