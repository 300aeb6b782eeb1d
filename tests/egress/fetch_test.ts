import assert from "node:assert/strict";
import {
  createEgressFetch,
  createEgressPolicy,
  createResolver,
  type EgressRules,
} from "../../lib/egress/mod.ts";
import { isGatewayError } from "../../lib/errors.ts";
import { startDnsServer } from "../_support/dns_server.ts";

function startServer(hostname = "127.0.0.1", tls?: { cert: string; key: string }) {
  const seen: string[] = [];
  const server = Deno.serve({ hostname, port: 0, onListen() {}, ...tls }, (request) => {
    const url = new URL(request.url);
    seen.push(`${request.method} ${url.pathname} host=${request.headers.get("host") ?? url.host}`);
    const to = url.searchParams.get("to");
    if (to !== null) return new Response(null, { status: 302, headers: { location: to } });
    return new Response(`ok ${url.pathname}`);
  });
  return { server, seen, port: server.addr.port };
}

async function withFetch(
  rules: EgressRules,
  run: (fetch: typeof globalThis.fetch) => Promise<void>,
  options: { nameServer?: string; caCerts?: string[] } = {},
): Promise<void> {
  const guard = createEgressFetch({
    policy: createEgressPolicy(rules),
    resolve: createResolver(options.nameServer),
    ...(options.caCerts ? { caCerts: options.caCerts } : {}),
  });
  try {
    await run(guard.fetch);
  } finally {
    guard.close();
  }
}

async function denied(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isGatewayError(error), `expected a GatewayError, got ${error}`);
    assert.equal(error.code, "EGRESS_DENIED");
    assert.match(error.message, pattern);
    return true;
  });
}

const defaults: EgressRules = { allow: [], private: "allow" };
const deny: EgressRules = { allow: [], private: "deny" };

Deno.test("egress fetch reaches loopback by default, Host header and path unchanged", async () => {
  const { server, seen, port } = startServer();
  await withFetch(defaults, async (fetch) => {
    const response = await fetch(`http://localhost:${port}/a?b=1`);
    assert.equal(await response.text(), "ok /a");
    const viaHex = await fetch(`http://0x7f000001:${port}/hex`);
    assert.equal(await viaHex.text(), "ok /hex");
  });
  assert.deepEqual(seen, [`GET /a host=localhost:${port}`, `GET /hex host=127.0.0.1:${port}`]);
  await server.shutdown();
});

Deno.test("egress fetch refuses 169.254.169.254 directly and through a redirect", async () => {
  const { server, seen, port } = startServer();
  await withFetch(defaults, async (fetch) => {
    await denied(
      fetch("http://169.254.169.254/latest/meta-data/"),
      /169\.254\.169\.254.*link-local/,
    );
    await denied(fetch("http://0xa9fea9fe/"), /link-local/);
    await denied(fetch("http://[::ffff:169.254.169.254]/"), /link-local/);
    const to = encodeURIComponent("http://169.254.169.254/latest/meta-data/");
    await denied(fetch(`http://127.0.0.1:${port}/r?to=${to}`), /Egress denied: 169\.254/);
    // Manual mode hands the redirect back: the caller's next fetch is judged again.
    const manual = await fetch(`http://127.0.0.1:${port}/r?to=${to}`, { redirect: "manual" });
    assert.equal(manual.status, 302);
    await manual.body?.cancel();
  });
  assert.equal(seen.length, 2, "only the redirecting server was contacted");
  await server.shutdown();
});

Deno.test("egress fetch follows allowed redirects and keeps a 307 body", async () => {
  const { server, port } = startServer();
  await withFetch(defaults, async (fetch) => {
    const to = encodeURIComponent(`http://localhost:${port}/landed`);
    const response = await fetch(`http://127.0.0.1:${port}/r?to=${to}`, {
      method: "POST",
      body: "x",
    });
    assert.equal(await response.text(), "ok /landed");
  });
  await server.shutdown();
});

Deno.test("egress fetch under private: deny refuses localhost, 0x7f000001 and 127.1", async () => {
  const { server, seen, port } = startServer();
  await withFetch(deny, async (fetch) => {
    await denied(fetch(`http://localhost:${port}/`), /localhost \(127\.0\.0\.1\) is a loopback/);
    await denied(fetch(`http://0x7f000001:${port}/`), /127\.0\.0\.1 is a loopback/);
    await denied(fetch(`http://127.1:${port}/`), /loopback/);
    await denied(fetch(`http://[::ffff:127.0.0.1]:${port}/`), /loopback/);
  });
  assert.deepEqual(seen, []);
  await withFetch({ allow: ["127.0.0.0/8"], private: "deny" }, async (fetch) => {
    assert.equal(await (await fetch(`http://0x7f000001:${port}/in`)).text(), "ok /in");
  });
  await withFetch({ allow: ["localhost"], private: "deny" }, async (fetch) => {
    assert.equal(await (await fetch(`http://localhost:${port}/in`)).text(), "ok /in");
  });
  await server.shutdown();
});

Deno.test("egress fetch refuses a DNS name that resolves to a private address", async () => {
  const dns = await startDnsServer({
    "internal.test": "127.0.0.1",
    "meta.test": "169.254.169.254",
  });
  const { server, port } = startServer();
  try {
    await withFetch(deny, async (fetch) => {
      await denied(
        fetch(`http://internal.test:${port}/`),
        /internal\.test \(127\.0\.0\.1\) is a loopback/,
      );
    }, { nameServer: dns.address });
    await withFetch(defaults, async (fetch) => {
      // Allowed by default: the name is resolved by the test's DNS server and the connection
      // goes to the address it gave, with the name kept in the Host header.
      const response = await fetch(`http://internal.test:${port}/dns`);
      assert.equal(await response.text(), "ok /dns");
      await denied(fetch(`http://meta.test/`), /meta\.test \(169\.254\.169\.254\)/);
    }, { nameServer: dns.address });
    await withFetch({ allow: ["internal.test"], private: "deny" }, async (fetch) => {
      assert.equal(await (await fetch(`http://internal.test:${port}/ok`)).text(), "ok /ok");
    }, { nameServer: dns.address });
  } finally {
    await server.shutdown();
    await dns.close();
  }
});

Deno.test("egress fetch sends HTTPS through its checking tunnel with the real host name", async () => {
  const dir = await Deno.makeTempDir();
  const made = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=tls.test",
      "-addext",
      "subjectAltName=DNS:tls.test",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
    ],
    stdout: "null",
    stderr: "null",
  }).output();
  assert.ok(made.success, "openssl is needed to make the test certificate");
  const cert = await Deno.readTextFile(`${dir}/cert.pem`);
  const key = await Deno.readTextFile(`${dir}/key.pem`);
  const dns = await startDnsServer({ "tls.test": "127.0.0.1" });
  const { server, seen, port } = startServer("127.0.0.1", { cert, key });
  try {
    await withFetch(defaults, async (fetch) => {
      const response = await fetch(`https://tls.test:${port}/secure`);
      assert.equal(await response.text(), "ok /secure");
    }, { nameServer: dns.address, caCerts: [cert] });
    await withFetch(deny, async (fetch) => {
      await denied(fetch(`https://tls.test:${port}/secure`), /tls\.test \(127\.0\.0\.1\)/);
    }, { nameServer: dns.address, caCerts: [cert] });
    assert.deepEqual(seen, [`GET /secure host=tls.test:${port}`]);
  } finally {
    await server.shutdown();
    await dns.close();
    await Deno.remove(dir, { recursive: true });
  }
});
