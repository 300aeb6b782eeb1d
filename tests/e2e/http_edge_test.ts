/**
 * What the gateway subprocess answers at its HTTP edge before a message reaches a tool: foreign
 * Origin and Host, oversized bodies, malformed JSON or UTF-8, batches, a 2026-07-28 `Accept`
 * without both media types, and unknown methods, for both eras.
 */

import assert from "node:assert/strict";
import {
  createGatewayToolsDir,
  ERAS,
  initializeLegacy,
  postOverSocket,
  readRpcResponse,
  rpcBody,
  rpcHeaders,
  startGateway,
} from "../_support/gateway.ts";
import { startUpstream } from "../_support/upstream_server.ts";

const MAX_BODY_BYTES = 2048;
const callHit = { id: 7, method: "tools/call", params: { name: "e2e_hit", arguments: {} } };

function hitTool(baseUrl: string): string {
  return `baseUrl: ${baseUrl}
tools:
  - name: e2e_hit
    description: Any call reaches the local upstream.
    http:
      url: /echo/hit
`;
}

async function post(
  mcpUrl: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(mcpUrl, { method: "POST", headers, body });
  return { status: response.status, body: await readRpcResponse(response) };
}

Deno.test("gateway subprocess rejects bad requests at the HTTP edge for both eras", async (t) => {
  const upstream = startUpstream();
  try {
    await using tools = await createGatewayToolsDir({ "e2e.yaml": hitTool(upstream.url) });
    await using gateway = await startGateway({
      toolsDir: tools.dir,
      env: { NEXUS_MAX_BODY_BYTES: String(MAX_BODY_BYTES) },
    });

    for (const era of ERAS) {
      if (era === "2025-11-25") {
        await t.step(`${era} raw client: initialize is accepted`, async () => {
          assert.equal(await initializeLegacy(gateway.mcpUrl), 200);
        });
      }

      await t.step(`${era} raw client: the unguarded control call reaches the tool`, async () => {
        const before = upstream.hits("/echo/hit");
        const answer = await post(
          gateway.mcpUrl,
          JSON.stringify(rpcBody(era, callHit)),
          rpcHeaders(era, callHit),
        );
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.equal((answer.body.result as { isError?: boolean }).isError, undefined);
        assert.equal(upstream.hits("/echo/hit"), before + 1);
      });

      await t.step(`${era} raw client: a foreign Origin gets 403 and runs nothing`, async () => {
        const before = upstream.hits();
        const answer = await post(gateway.mcpUrl, JSON.stringify(rpcBody(era, callHit)), {
          ...rpcHeaders(era, callHit),
          origin: "http://evil.example.com",
        });
        assert.equal(answer.status, 403);
        assert.equal((answer.body.error as { code: number }).code, -32003);
        assert.equal(upstream.hits(), before);
      });

      await t.step(`${era} raw client: a foreign Host gets 403 and runs nothing`, async () => {
        const before = upstream.hits();
        // Why: fetch always sends the URL's own Host; a socket sends the forged one.
        const answer = await postOverSocket(gateway.mcpUrl, {
          headers: { ...rpcHeaders(era, callHit), host: "evil.example.com" },
          body: JSON.stringify(rpcBody(era, callHit)),
        });
        assert.equal(answer.status, 403);
        assert.match(answer.body, /host not allowed: evil\.example\.com/);
        assert.equal(upstream.hits(), before);
      });

      await t.step(`${era} raw client: a 10 KB body gets 413 with a JSON-RPC error`, async () => {
        const message = {
          id: 8,
          method: "tools/call",
          params: { name: "e2e_hit", arguments: { padding: "x".repeat(10 * 1024) } },
        };
        const before = upstream.hits();
        const answer = await post(
          gateway.mcpUrl,
          JSON.stringify(rpcBody(era, message)),
          rpcHeaders(era, message),
        );
        assert.equal(answer.status, 413);
        assert.equal(answer.body.jsonrpc, "2.0");
        assert.equal((answer.body.error as { code: number }).code, -32600);
        assert.match((answer.body.error as { message: string }).message, /limit is 2048 bytes/);
        assert.equal(upstream.hits(), before);
      });

      await t.step(`${era} raw client: malformed JSON gets 400 with -32700`, async () => {
        const answer = await post(
          gateway.mcpUrl,
          `{"jsonrpc":"2.0","id":1,`,
          rpcHeaders(era, callHit),
        );
        assert.equal(answer.status, 400);
        assert.deepEqual(answer.body.error, {
          code: -32700,
          message: "Parse error: request body is not valid JSON",
        });
      });

      await t.step(
        `${era} raw client: a body that is not UTF-8 gets -32700, runs nothing`,
        async () => {
          const before = upstream.hits();
          // Why a valid call with one 0xff byte in a string: decoded leniently it would run.
          const call = { ...callHit, params: { ...callHit.params, arguments: { note: "@" } } };
          const [head = "", tail = ""] = JSON.stringify(rpcBody(era, call)).split("@");
          const encoder = new TextEncoder();
          const body = new Uint8Array([...encoder.encode(head), 0xff, ...encoder.encode(tail)]);
          const response = await fetch(gateway.mcpUrl, {
            method: "POST",
            headers: rpcHeaders(era, callHit),
            body,
          });
          const answer = await readRpcResponse(response);
          assert.equal(response.status, 400);
          assert.deepEqual(answer.error, {
            code: -32700,
            message: "Parse error: request body is not valid UTF-8",
          });
          assert.equal(upstream.hits(), before);
        },
      );

      await t.step(`${era} raw client: a JSON-RPC batch gets 400 with -32600`, async () => {
        const ping = { id: 9, method: "ping" };
        const batch = JSON.stringify([rpcBody(era, ping), rpcBody(era, { ...ping, id: 10 })]);
        const answer = await post(gateway.mcpUrl, batch, rpcHeaders(era, ping));
        assert.equal(answer.status, 400);
        assert.equal((answer.body.error as { code: number }).code, -32600);
      });

      if (era === "2026-07-28") {
        await t.step(`${era} raw client: Accept without both media types gets 406`, async () => {
          for (const accept of ["text/html", "application/json", "text/event-stream", "*/*"]) {
            const before = upstream.hits();
            const answer = await post(gateway.mcpUrl, JSON.stringify(rpcBody(era, callHit)), {
              ...rpcHeaders(era, callHit),
              accept,
            });
            assert.equal(answer.status, 406, accept);
            assert.equal(answer.body.id, callHit.id);
            assert.equal((answer.body.error as { code: number }).code, -32600);
            assert.equal(upstream.hits(), before, `${accept}: nothing ran`);
          }
        });
      }

      await t.step(`${era} raw client: an unknown method gets -32601`, async () => {
        const message = { id: 11, method: "nexus/no_such_method", params: {} };
        const answer = await post(
          gateway.mcpUrl,
          JSON.stringify(rpcBody(era, message)),
          rpcHeaders(era, message),
        );
        assert.equal(answer.body.id, 11);
        assert.equal((answer.body.error as { code: number }).code, -32601);
      });
    }
    const status = await gateway.stop();
    assert.equal(status.code, 0, gateway.stderrLines().join("\n"));
  } finally {
    await upstream.close();
  }
});
