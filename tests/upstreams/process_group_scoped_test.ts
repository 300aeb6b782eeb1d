/**
 * Stopping a stdio child under a scoped `--allow-run=cmd` (the grant `deno task compile` bakes
 * in): Deno 2.9 refuses `Deno.kill` for every pid then, so the group signal cannot be sent; the
 * stop must still end the leader and close its stdin, so a grandchild reading it exits too.
 */

import assert from "node:assert/strict";
import { REPO_ROOT } from "../_support/gateway.ts";

const PROBE = `
import { spawnGroup, stopGroup } from "${REPO_ROOT}/lib/upstreams/process_group.ts";
// The leader starts a grandchild reading the same stdin, prints its pid, and waits.
const child = spawnGroup("sh", { args: ["-c", "cat 0<&0 >/dev/null & echo $!; wait"], env: { PATH: Deno.env.get("PATH") ?? "" } });
let refused = false;
try { Deno.kill(-child.pid, "SIGCONT"); } catch (error) { refused = error instanceof Deno.errors.NotCapable; }
const grandchild = await new Promise((resolve) => child.process.stdout.once("data", (b) => resolve(Number(String(b).trim()))));
const exit = await stopGroup(child, 500);
console.log(JSON.stringify({ refused, grandchild, exit }));
`;

Deno.test("stopGroup() ends the leader and its stdin readers when Deno.kill is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nexus-scoped-run-" });
  try {
    await Deno.writeTextFile(`${dir}/probe.ts`, PROBE);
    const probe = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--allow-run=sh",
        "--allow-env=PATH,NODE_V8_COVERAGE",
        `--allow-read=${REPO_ROOT},${dir}`,
        `${dir}/probe.ts`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Why a deadline: before the fallback the stop waited forever for a leader never signalled.
    const timer = setTimeout(() => probe.kill("SIGKILL"), 30_000);
    const output = await probe.output();
    clearTimeout(timer);
    const text = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 0, `${text}\n${new TextDecoder().decode(output.stderr)}`);
    const result = JSON.parse(text) as {
      refused: boolean;
      grandchild: number;
      exit: { code: number | null; signal: string | null };
    };
    assert.equal(result.refused, true, "a scoped --allow-run refuses Deno.kill");
    assert.deepEqual(result.exit, { code: null, signal: "SIGTERM" });
    // The grandchild saw EOF and exited (signal 0 only asks whether the pid exists).
    const gone = await waitForExit(result.grandchild);
    assert.ok(gone, `grandchild ${result.grandchild} still running`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function waitForExit(pid: number): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      Deno.kill(pid, 0 as unknown as Deno.Signal);
    } catch {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
