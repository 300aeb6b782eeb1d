/**
 * The zero-loss drain of a real gateway subprocess: on SIGTERM `/readyz` turns 503 at once, calls
 * in flight finish, a request on an already-open keep-alive connection is still served (with
 * `Connection: close`), notification streams of both eras end with an SSE `retry:`, every call is
 * in the audit log after exit, the stdio upstream's child is gone, and the exit code is 0. A
 * second SIGTERM cuts the drain short and the log says what was cut.
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { connect, ERAS, rpcBody, rpcHeaders, startGateway } from "../_support/gateway.ts";
import { createGatewayToolsDir, type Gateway, REPO_ROOT } from "../_support/gateway.ts";
import { openStore } from "../../lib/store/mod.ts";
import { processTable, waitGone } from "../_support/processes.ts";
import { SLOW_TOOL } from "../_support/slow_tool.ts";

const FIXTURE = fileURLToPath(new URL("../_support/stdio_fixture_server.ts", import.meta.url));
const SLOW_MS = 2_500;

function stdioUpstream(marker: string): string {
  return `upstreams:
  - name: local
    stdio:
      command: ${JSON.stringify(Deno.execPath())}
      args: ["run", "--quiet", "--no-prompt", "--allow-env", "--allow-run", ${
    JSON.stringify(FIXTURE)
  }, ${JSON.stringify(marker)}]
      env: { NO_COLOR: "1" }
      cwd: ${JSON.stringify(REPO_ROOT)}
`;
}

function printFigure(line: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${line}\n`));
}

function textOf(result: unknown): string {
  const content = (result as { content: Array<{ text?: string }> }).content;
  return content.map((block) => block.text ?? "").join("");
}

/** An open SSE stream, read to its end in the background: everything it carried, and when. */
async function openStream(gateway: Gateway, kind: "2025 GET" | "2026 listen") {
  const response = kind === "2025 GET"
    ? await fetch(gateway.mcpUrl, {
      headers: { accept: "text/event-stream", "mcp-protocol-version": "2025-11-25" },
    })
    : await fetch(gateway.mcpUrl, {
      method: "POST",
      headers: rpcHeaders("2026-07-28", { method: "subscriptions/listen" }),
      body: JSON.stringify(rpcBody("2026-07-28", {
        id: 1,
        method: "subscriptions/listen",
        params: { notifications: { toolsListChanged: true } },
      })),
    });
  if (response.status !== 200) assert.fail(`${kind}: ${response.status} ${await response.text()}`);
  assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const first = await reader.read();
  text += first.value ?? "";
  const ended = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, clean: true };
      text += value;
    }
  })().catch((error) => ({ text, clean: false, error: String(error) }));
  return { kind, ended };
}

/** One HTTP/1.1 connection kept alive across requests, for what `fetch` pools out of sight. */
async function keepAliveConnection(url: string) {
  const target = new URL(url);
  const conn = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
  const reader = conn.readable.getReader();
  let buffer = new Uint8Array(0);
  const decoder = new TextDecoder();
  async function more(): Promise<boolean> {
    const { done, value } = await reader.read();
    if (done) return false;
    const next = new Uint8Array(buffer.length + value.length);
    next.set(buffer);
    next.set(value, buffer.length);
    buffer = next;
    return true;
  }
  async function readResponse() {
    let end: number;
    while ((end = decoder.decode(buffer).indexOf("\r\n\r\n")) === -1) {
      if (!(await more())) throw new Error("connection closed before a response head");
    }
    const head = decoder.decode(buffer.slice(0, end));
    buffer = buffer.slice(end + 4);
    const [statusLine = "", ...lines] = head.split("\r\n");
    const headers = new Headers(lines.map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()] as [string, string];
    }));
    let body: string;
    if (headers.get("transfer-encoding") === "chunked") {
      while (!decoder.decode(buffer).includes("0\r\n\r\n")) {
        if (!(await more())) break;
      }
      body = decoder.decode(buffer);
      buffer = new Uint8Array(0);
    } else {
      const length = Number(headers.get("content-length") ?? 0);
      while (buffer.length < length) {
        if (!(await more())) break;
      }
      body = decoder.decode(buffer.slice(0, length));
      buffer = buffer.slice(length);
    }
    return { status: Number(statusLine.split(" ")[1]), headers, body };
  }
  async function send(method: string, path: string, headers: Record<string, string>, body = "") {
    const bytes = new TextEncoder().encode(body);
    const lines = Object.entries({
      host: target.host,
      ...headers,
      ...(method === "GET" ? {} : { "content-length": String(bytes.length) }),
    }).map(([name, value]) => `${name}: ${value}\r\n`).join("");
    await conn.write(new TextEncoder().encode(`${method} ${path} HTTP/1.1\r\n${lines}\r\n`));
    if (bytes.length) await conn.write(bytes);
    return await readResponse();
  }
  /** Whether the server closed the connection (a read ends). */
  async function closedByServer(): Promise<boolean> {
    return !(await more().catch(() => false));
  }
  return {
    send,
    closedByServer,
    close: () => {
      try {
        conn.close();
      } catch {
        // Why: already closed by the server.
      }
    },
  };
}

async function auditedTexts(dataDir: string): Promise<string[]> {
  const store = await openStore({ dataDir });
  try {
    const rows = await store.audit.query({ limit: 10_000, order: "asc" });
    return rows.filter((row) => row.tool === "slow_echo").map((row) =>
      JSON.parse(row.args ?? "{}").text as string
    );
  } finally {
    await store.close();
  }
}

function logRecords(gateway: Gateway): Array<Record<string, unknown>> {
  return gateway.stderrLines().flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

Deno.test("SIGTERM drains: calls finish, kept-alive POST served with Connection: close, streams end with retry:, audit complete, children gone, exit 0", async () => {
  const marker = `nexus-drain-e2e-${crypto.randomUUID()}`;
  const dataDir = await Deno.makeTempDir({ prefix: "nexus-e2e-drain-" });
  try {
    await using tools = await createGatewayToolsDir({
      "slow.ts": SLOW_TOOL,
      "local.yaml": stdioUpstream(marker),
    });
    const gateway = await startGateway({
      toolsDir: tools.dir,
      env: {
        NEXUS_DATA_DIR: dataDir,
        NEXUS_AUDIT_ARGUMENTS: "true",
        NEXUS_DRAIN_SETTLE_MS: "2500",
        NEXUS_DRAIN_MS: "20000",
      },
    });
    try {
      const clients = await Promise.all(
        [0, 1, 2, 3, 4, 5].map((i) => connect(ERAS[i % 2]!, gateway.mcpUrl)),
      );
      // The stdio child is up before the drain (its tools are federated and called).
      const echoed = await clients[0]!.callTool({ name: "local_echo", arguments: { text: "up" } });
      assert.equal(textOf(echoed), "up");
      assert.ok((await processTable()).some((p) => p.cmdline.includes(marker)));
      const streams = [
        await openStream(gateway, "2025 GET"),
        await openStream(gateway, "2026 listen"),
      ];
      const kept = await keepAliveConnection(gateway.url);
      const before = await kept.send("GET", "/healthz", {});
      assert.equal(before.status, 200);
      assert.notEqual(before.headers.get("connection"), "close", "kept alive before the drain");

      const texts = clients.map((_, i) => `drain-call-${i}`);
      const calls = clients.map((client, i) =>
        client.callTool({ name: "slow_echo", arguments: { text: texts[i], ms: SLOW_MS } })
      );
      // Give the calls time to reach the tool before the signal.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const signalled = performance.now();
      const stopped = gateway.stop();

      let readyStatus = 0;
      for (let i = 0; i < 100 && readyStatus !== 503; i++) {
        const ready = await fetch(`${gateway.url}/readyz`);
        readyStatus = ready.status;
        await ready.body?.cancel();
        if (readyStatus !== 503) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const unreadyAfterMs = performance.now() - signalled;
      assert.equal(readyStatus, 503, "/readyz never turned 503");
      printFigure(`/readyz answered 503 ${unreadyAfterMs.toFixed(0)} ms after SIGTERM`);
      // Generous bound: unready long before the slow calls (2.5 s) could have ended.
      assert.ok(unreadyAfterMs < SLOW_MS, `/readyz took ${unreadyAfterMs} ms to turn unready`);

      // A balancer's kept-alive connection: its POST during the settle time is served, and told
      // to close the connection afterwards.
      const late = await kept.send(
        "POST",
        "/mcp",
        rpcHeaders("2026-07-28", { method: "tools/call", params: { name: "text_stats" } }),
        JSON.stringify(rpcBody("2026-07-28", {
          id: 7,
          method: "tools/call",
          params: { name: "text_stats", arguments: { text: "late but served" } },
        })),
      );
      assert.equal(late.status, 200, late.body);
      assert.match(late.body, /"words\\?":\s*3|words.{0,4}3/);
      assert.equal(late.headers.get("connection"), "close");
      assert.ok(await kept.closedByServer(), "the server closes the connection after the answer");
      kept.close();

      const results = await Promise.all(calls);
      results.forEach((result, i) => {
        assert.notEqual(result.isError, true, JSON.stringify(result));
        assert.equal(textOf(result), texts[i]);
      });
      for (const stream of streams) {
        const { text, clean } = await stream.ended;
        assert.ok(clean, `${stream.kind}: the stream failed instead of ending`);
        assert.match(text, /(^|\n)retry: \d+\n/, `${stream.kind}: no retry: field in ${text}`);
      }
      await Promise.all(clients.map((client) => client.close().catch(() => {})));
      const status = await stopped;
      printFigure(
        `drained and exited ${(performance.now() - signalled).toFixed(0)} ms after SIGTERM`,
      );
      assert.equal(status.code, 0, gateway.stderrLines().join("\n"));

      const audited = await auditedTexts(dataDir);
      assert.deepEqual(audited.toSorted(), texts.toSorted(), "every drained call is audited");
      const left = await waitGone(async () =>
        (await processTable()).filter((p) => p.cmdline.includes(marker)).map((p) => p.pid)
      );
      assert.deepEqual(left, [], "no stdio child left");
      const messages = logRecords(gateway).map((record) => record.msg);
      assert.ok(messages.includes("Drained: every call finished"), messages.join("\n"));
      assert.ok(!messages.includes("Drain cut short: calls and streams still open were cut"));
    } finally {
      await gateway.stop();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("a second SIGTERM cuts the drain short and the log names what was cut", async () => {
  await using tools = await createGatewayToolsDir({ "slow.ts": SLOW_TOOL });
  const gateway = await startGateway({
    toolsDir: tools.dir,
    env: { NEXUS_DRAIN_SETTLE_MS: "60000", NEXUS_DRAIN_MS: "120000" },
  });
  try {
    const client = await connect("2026-07-28", gateway.mcpUrl);
    const stream = await openStream(gateway, "2025 GET");
    const call = client.callTool({ name: "slow_echo", arguments: { text: "cut", ms: 60_000 } })
      .then(() => "finished", () => "failed");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stopped = gateway.stop();
    for (let i = 0; i < 100; i++) {
      if (logRecords(gateway).some((r) => r.msg === "Draining: not ready, still accepting")) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    gateway.kill("SIGTERM");
    const status = await stopped;
    assert.equal(status.code, 1, "a drain cut short exits 1");
    assert.equal(await call, "failed", "the cut call does not finish");
    await stream.ended;
    await client.close().catch(() => {});
    const cut = logRecords(gateway).find((r) =>
      r.msg === "Drain cut short: calls and streams still open were cut"
    );
    assert.ok(cut, gateway.stderrLines().join("\n"));
    assert.equal(cut.reason, "second SIGTERM");
    assert.equal(cut.calls, 1, JSON.stringify(cut));
    assert.equal(typeof cut.streams, "number");
  } finally {
    await gateway.stop();
  }
});
