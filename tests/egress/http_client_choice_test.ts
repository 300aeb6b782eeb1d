import assert from "node:assert/strict";
import { installEgressGuard } from "../../lib/egress/mod.ts";
import { isGatewayError } from "../../lib/errors.ts";

// Why accept-encoding tells the two apart: Deno's fetch asks for `gzip,br`, the lean client for
// `gzip, deflate` (it cannot decode Brotli).
const FETCH_ENCODING = "gzip,br";
const LEAN_ENCODING = "gzip, deflate";

async function sentEncoding(
  httpClient: "lean" | "fetch" | undefined,
  init: RequestInit = { redirect: "manual" },
  options: { traced?: boolean; private?: "allow" | "deny" } = {},
): Promise<string | null> {
  let seen: string | null = null;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    seen = request.headers.get("accept-encoding");
    return new Response("ok");
  });
  const guard = installEgressGuard({
    allow: [],
    private: options.private ?? "allow",
    ...(httpClient === undefined ? {} : { httpClient }),
    ...(options.traced ? { wrapSend: (send: typeof fetch) => send } : {}),
  });
  try {
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/`, init);
    assert.equal(await response.text(), "ok");
    return seen;
  } finally {
    guard.close();
    await server.shutdown();
  }
}

Deno.test("plain-HTTP tool hops go through the lean client by default and with httpClient lean", async () => {
  assert.equal(await sentEncoding(undefined), LEAN_ENCODING);
  assert.equal(await sentEncoding("lean"), LEAN_ENCODING);
  assert.equal(
    await sentEncoding("lean", { redirect: "manual", method: "POST", body: "{}" }),
    LEAN_ENCODING,
  );
});

Deno.test("httpClient fetch, a traced send, a redirect-following or non-text request keep Deno's fetch", async () => {
  assert.equal(await sentEncoding("fetch"), FETCH_ENCODING);
  assert.equal(
    await sentEncoding("lean", { redirect: "manual" }, { traced: true }),
    FETCH_ENCODING,
  );
  assert.equal(await sentEncoding("lean", {}), FETCH_ENCODING);
  const form = {
    redirect: "manual",
    method: "POST",
    body: new URLSearchParams({ a: "1" }),
  } as const;
  assert.equal(await sentEncoding("lean", form), FETCH_ENCODING);
});

Deno.test("the lean client sits behind the same egress judge: a refused address is EGRESS_DENIED", async () => {
  await assert.rejects(
    sentEncoding("lean", { redirect: "manual" }, { private: "deny" }),
    (error) => isGatewayError(error) && error.code === "EGRESS_DENIED",
  );
});
