import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { GatewayError } from "../../lib/errors.ts";
import { createLogger } from "../../lib/log.ts";
import {
  MAX_STDERR_LINE,
  type StdioUpstreamSpec,
  type SuperviseOptions,
  superviseStdio,
} from "../../lib/upstreams/mod.ts";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FIXTURE = fileURLToPath(new URL("../_support/stdio_fixture_server.ts", import.meta.url));

function fixtureSpec(env: Record<string, string> = {}): StdioUpstreamSpec {
  return {
    name: "fx",
    command: Deno.execPath(),
    args: ["run", "--quiet", "--no-prompt", "--allow-env", "--allow-run", FIXTURE],
    env: { NO_COLOR: "1", ...env },
    cwd: REPO_ROOT,
  };
}

function logCapture(): {
  options: Pick<SuperviseOptions, "logger">;
  records: () => Array<Record<string, unknown>>;
} {
  const lines: string[] = [];
  return {
    options: { logger: createLogger({ level: "debug", sink: (line) => lines.push(line) }) },
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ type: string; text?: string }> }).content;
  return content.map((block) => block.text ?? "").join("");
}

/**
 * Every process's pid, state and process group, from /proc/<pid>/stat. Why through `sh`: Deno
 * asks for --allow-all to read /proc, and the test task grants only --allow-run and friends.
 */
async function processTable(): Promise<Array<{ pid: number; state: string; pgid: number }>> {
  const { stdout } = await new Deno.Command("sh", {
    args: ["-c", "cat /proc/[0-9]*/stat 2>/dev/null; true"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(stdout).split("\n").filter(Boolean).map((line) => {
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    return { pid: Number.parseInt(line), state: fields[0]!, pgid: Number(fields[2]) };
  });
}

/** Pids of every process (zombies included) in process group `pgid`. */
async function groupMembers(pgid: number): Promise<number[]> {
  return (await processTable()).filter((p) => p.pgid === pgid).map((p) => p.pid);
}

async function exists(pid: number): Promise<boolean> {
  return (await processTable()).some((p) => p.pid === pid);
}

/**
 * Waits until none of `pids` is in /proc. Why poll: a killed grandchild is reparented to init,
 * which reaps it shortly after; only then does its /proc entry (zombie or not) disappear.
 */
async function waitGone(pids: number[], timeoutMs = 5_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = new Set((await processTable()).map((p) => p.pid));
    const left = pids.filter((pid) => table.has(pid));
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("Timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("superviseStdio() starts lazily, lists and calls tools over one shared process", async () => {
  const log = logCapture();
  const upstream = superviseStdio(fixtureSpec(), log.options);
  try {
    assert.equal(upstream.state().status, "idle");
    assert.equal(upstream.state().pid, undefined);
    const client = await upstream.client();
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((tool) => tool.name).sort(),
      [
        "crash",
        "echo",
        "env",
        "env_sha256",
        "flaky_read",
        "pid",
        "slow",
        "spawn_grandchild",
        "stderr",
      ],
    );
    assert.equal(textOf(await client.callTool({ name: "echo", arguments: { text: "hi" } })), "hi");
    const state = upstream.state();
    assert.equal(state.status, "running");
    assert.equal(typeof state.pid, "number");
    assert.equal(typeof state.protocolVersion, "string");
    assert.equal(await upstream.client(), await upstream.client());
  } finally {
    await upstream.close();
  }
});

Deno.test("superviseStdio() multiplexes concurrent calls over one process", async () => {
  const upstream = superviseStdio(fixtureSpec(), logCapture().options);
  try {
    const client = await upstream.client();
    const pid = upstream.state().pid!;
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const c = await upstream.client();
        return textOf(await c.callTool({ name: "slow", arguments: { ms: 400 } }));
      }),
    );
    const elapsed = Date.now() - started;
    assert.deepEqual(results, Array(10).fill("slept 400"));
    // Ten 400 ms calls in series would take 4 s; multiplexed they overlap.
    assert.ok(elapsed < 2_500, `took ${elapsed} ms`);
    assert.equal(upstream.state().pid, pid);
    assert.equal(upstream.state().restarts, 0);
    assert.equal(textOf(await client.callTool({ name: "echo", arguments: { text: "x" } })), "x");
  } finally {
    await upstream.close();
  }
});

Deno.test("superviseStdio() fails in-flight calls when the child crashes, restarts it, and the next call works", async () => {
  const log = logCapture();
  const upstream = superviseStdio(fixtureSpec(), {
    ...log.options,
    backoff: { initialMs: 50, maxMs: 1_000 },
  });
  try {
    const client = await upstream.client();
    const firstPid = upstream.state().pid!;
    const slow = client.callTool({ name: "slow", arguments: { ms: 10_000 } });
    const crash = client.callTool({ name: "crash", arguments: {} });
    for (const call of [crash, slow]) {
      await assert.rejects(call, (error: unknown) => {
        assert.ok(error instanceof GatewayError, String(error));
        assert.equal(error.code, "UPSTREAM_UNAVAILABLE");
        assert.equal(error.message, 'Upstream "fx" exited with code 3');
        return true;
      });
    }
    const again = await upstream.client();
    assert.equal(
      textOf(await again.callTool({ name: "echo", arguments: { text: "back" } })),
      "back",
    );
    const state = upstream.state();
    assert.equal(state.status, "running");
    assert.equal(state.restarts, 1);
    assert.equal(state.lastError, 'Upstream "fx" exited with code 3');
    assert.notEqual(state.pid, firstPid);
    assert.deepEqual(await waitGone([firstPid]), []);
    assert.ok(log.records().some((r) => r.msg === "Upstream exited" && r.upstream === "fx"));
  } finally {
    await upstream.close();
  }
});

Deno.test("superviseStdio() restarts a failing child with exponential backoff capped at maxMs", async () => {
  const log = logCapture();
  const upstream = superviseStdio(
    { name: "dies", command: "sh", args: ["-c", "echo bye >&2; exit 7"], env: {} },
    { ...log.options, startAtBoot: true, backoff: { initialMs: 10, maxMs: 40 } },
  );
  const delays = () =>
    log.records().filter((r) => r.msg === "Upstream restart scheduled").map((r) => r.delayMs);
  try {
    await waitFor(() => delays().length >= 6);
    assert.deepEqual(delays().slice(0, 6), [10, 20, 40, 40, 40, 40]);
    const state = upstream.state();
    assert.ok(state.restarts >= 5, `restarts ${state.restarts}`);
    assert.match(state.lastError ?? "", /^Upstream "dies" failed to start: /);
    await assert.rejects(upstream.client(), (error: unknown) => {
      assert.ok(error instanceof GatewayError);
      assert.equal(error.code, "UPSTREAM_UNAVAILABLE");
      return true;
    });
  } finally {
    await upstream.close();
  }
  assert.equal(upstream.state().status, "stopped");
});

Deno.test("superviseStdio() close() reaps the whole process group, grandchildren included", async () => {
  const upstream = superviseStdio(fixtureSpec(), logCapture().options);
  let leader = 0;
  let grandchild = 0;
  try {
    const client = await upstream.client();
    leader = upstream.state().pid!;
    grandchild = Number(textOf(await client.callTool({ name: "spawn_grandchild", arguments: {} })));
    assert.ok(await exists(grandchild), "the grandchild runs");
    assert.ok((await groupMembers(leader)).includes(grandchild), "the grandchild is in the group");
  } finally {
    await upstream.close();
  }
  assert.deepEqual(await waitGone([leader, grandchild]), []);
  assert.deepEqual(await groupMembers(leader), []);
  assert.equal(upstream.state().status, "stopped");
  await assert.rejects(upstream.client(), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, "UPSTREAM_UNAVAILABLE");
    assert.equal(error.message, 'Upstream "fx" is stopped');
    return true;
  });
});

Deno.test("superviseStdio() starts at boot when asked, and 1,000 calls leave the process count unchanged", async () => {
  const upstream = superviseStdio(fixtureSpec(), { ...logCapture().options, startAtBoot: true });
  try {
    await waitFor(() => upstream.state().status === "running");
    const leader = upstream.state().pid!;
    const client = await upstream.client();
    await client.callTool({ name: "echo", arguments: { text: "warm" } });
    const before = (await groupMembers(leader)).length;
    assert.ok(before >= 1);
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from(
          { length: 50 },
          (_, i) => client.callTool({ name: "echo", arguments: { text: `${batch}-${i}` } }),
        ),
      );
    }
    assert.equal((await groupMembers(leader)).length, before);
    assert.equal(upstream.state().pid, leader);
    assert.equal(upstream.state().restarts, 0);
  } finally {
    await upstream.close();
  }
});

Deno.test("superviseStdio() logs stderr line by line with the upstream name, long lines cut", async () => {
  const log = logCapture();
  const upstream = superviseStdio(fixtureSpec(), log.options);
  try {
    const client = await upstream.client();
    const long = "x".repeat(MAX_STDERR_LINE * 3);
    await client.callTool({
      name: "stderr",
      arguments: { text: `first\nsecond\n${long}\nafter\n` },
    });
    const lines = () =>
      log.records().filter((r) => r.msg === "Upstream stderr" && r.upstream === "fx");
    await waitFor(() => lines().some((r) => r.line === "after"));
    const texts = lines().map((r) => r.line);
    assert.ok(texts.some((t) => typeof t === "string" && t.startsWith("fixture ready pid=")));
    const at = texts.indexOf("first");
    assert.deepEqual(texts.slice(at, at + 2), ["first", "second"]);
    const cut = lines().find((r) => typeof r.line === "string" && r.line.startsWith("xxx"));
    assert.equal((cut?.line as string).length, MAX_STDERR_LINE);
    assert.equal(cut?.truncated, true);
    assert.equal(
      lines().filter((r) => typeof r.line === "string" && r.line.startsWith("x")).length,
      1,
    );
  } finally {
    await upstream.close();
  }
});

Deno.test("superviseStdio() gives the child only PATH, HOME and its own env, never the gateway's", async () => {
  Deno.env.set("NEXUS_MASTER_KEY", "fake-master-key-for-test");
  const upstream = superviseStdio(fixtureSpec({ UPSTREAM_TOKEN: "t0k" }), logCapture().options);
  try {
    const client = await upstream.client();
    const read = async (name: string) =>
      textOf(await client.callTool({ name: "env", arguments: { name } }));
    assert.equal(await read("NEXUS_MASTER_KEY"), "<unset>");
    assert.equal(await read("UPSTREAM_TOKEN"), "t0k");
    assert.equal(await read("PATH"), Deno.env.get("PATH"));
    const { stdout } = await new Deno.Command("cat", {
      args: [`/proc/${upstream.state().pid}/environ`],
      stdout: "piped",
    }).output();
    const environ = new TextDecoder().decode(stdout);
    const names = environ.split("\0").filter(Boolean).map((entry) => entry.split("=")[0]).sort();
    assert.deepEqual(names, ["HOME", "NO_COLOR", "PATH", "UPSTREAM_TOKEN"]);
  } finally {
    await upstream.close();
    Deno.env.delete("NEXUS_MASTER_KEY");
  }
});

Deno.test("superviseStdio() groups still alive when the gateway calls Deno.exit() are killed by the unload hook", async () => {
  const script = `
    import { superviseStdio } from ${
    JSON.stringify(new URL("../../lib/upstreams/mod.ts", import.meta.url).href)
  };
    import { silentLogger } from ${
    JSON.stringify(new URL("../../lib/log.ts", import.meta.url).href)
  };
    const spec = ${JSON.stringify(fixtureSpec())};
    const upstream = superviseStdio(spec, { logger: silentLogger });
    const client = await upstream.client();
    const result = await client.callTool({ name: "spawn_grandchild", arguments: {} });
    console.log(JSON.stringify({ leader: upstream.state().pid, grandchild: Number(result.content[0].text) }));
    Deno.exit(0);
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-all", "-"],
    cwd: REPO_ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const { stdout, stderr, code } = await child.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const { leader, grandchild } = JSON.parse(new TextDecoder().decode(stdout)) as {
    leader: number;
    grandchild: number;
  };
  assert.ok(leader > 0 && grandchild > 0);
  assert.deepEqual(await waitGone([leader, grandchild]), []);
});
