// deno-lint-ignore-file no-console
/**
 * Cost of authentication + policy check per call, in process (no HTTP), with the JWKS cached:
 *
 * - `jwt, token seen before`: a client re-sending its bearer token (the common case) hits the
 *   verified-token cache;
 * - `jwt, new token each call`: full RS256 signature check, claims, key from the cached JWKS;
 * - `api key (embedded store)`: key lookup from the verifier's cache and a SHA-256 compare;
 *
 * each followed by `policy.canUse(caller, tool)` with 10 policies and 1 virtual server, and the
 * `tools/list` filter of 200 tools for the same caller. Target: under 100 µs per call.
 *
 * Usage: deno run --allow-read --allow-write --allow-env bench/auth.ts [--calls N]
 */

import { parseArgs } from "node:util";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import {
  createApiKeyVerifier,
  createAuthenticator,
  createJwtVerifier,
  createPolicy,
  issueApiKey,
  type PolicyRule,
} from "../lib/auth/mod.ts";
import { silentLogger } from "../lib/log.ts";
import type { ToolDefinition } from "../lib/registry/mod.ts";
import { openStore } from "../lib/store/mod.ts";

const ISSUER = "https://idp.bench";
const AUDIENCE = "https://nexus.bench/mcp";
const { values } = parseArgs({ args: Deno.args, options: { calls: { type: "string" } } });
const CALLS = Number(values.calls ?? 20_000);

const { privateKey, publicKey } = await generateKeyPair("RS256");
const jwk = { ...(await exportJWK(publicKey)), kid: "bench-1", alg: "RS256", use: "sig" };
const jwksFetch = () => Promise.resolve(Response.json({ keys: [jwk] }));

function sign(sub: string): Promise<string> {
  return new SignJWT({ azp: "bench-agent", groups: ["support", "engineering"] })
    .setProtectedHeader({ alg: "RS256", kid: "bench-1" })
    .setIssuer(ISSUER).setAudience(AUDIENCE).setSubject(sub).setExpirationTime("1h")
    .sign(privateKey);
}

const jwt = createJwtVerifier({
  issuer: ISSUER,
  audience: [AUDIENCE],
  algorithms: ["RS256"],
  jwksUrl: `${ISSUER}/jwks`,
  clockSkewSec: 30,
  clientClaim: "azp",
  groupsClaim: "groups",
  logger: silentLogger,
  fetch: jwksFetch as typeof fetch,
});

const dataDir = await Deno.makeTempDir({ prefix: "nexus-bench-auth-" });
const store = await openStore({ dataDir });
const repo = store.apiKeys;
const apiKeys = createApiKeyVerifier(repo);
const { key } = await issueApiKey(repo, "bench-key", { groups: ["support"] });
const authenticator = createAuthenticator({ apiKeys, jwt, anonymousAllowed: true });

const rules: PolicyRule[] = Array.from({ length: 10 }, (_, i) => ({
  clients: [`key:team-${i}-*`],
  groups: i === 9 ? ["support"] : [],
  tools: [`svc${i}_*`, "common_*"],
  tags: i % 2 === 0 ? ["read"] : [],
  deny: ["*_delete"],
}));
const policy = createPolicy({
  rules,
  servers: { support: { tools: ["svc9_*"], tags: [], clients: [], groups: ["support"] } },
});
const tools = Array.from({ length: 200 }, (_, i) =>
  ({
    name: `svc${i % 10}_op${i}`,
    tags: i % 3 === 0 ? ["read"] : [],
  }) as unknown as ToolDefinition);
const called = tools[9]!;

async function measure(
  label: string,
  headerFor: (i: number) => string,
  server = "default",
): Promise<void> {
  for (let i = 0; i < 2000; i++) await once(headerFor(i), server); // warm-up (JIT, caches)
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await once(headerFor(i + 2000), server);
  const perCall = (performance.now() - started) * 1000 / CALLS;
  const listStarted = performance.now();
  const principal = await authenticator.authenticate(headerFor(0), "127.0.0.1");
  for (let i = 0; i < 1000; i++) tools.filter((t) => policy.canUse({ principal, server }, t));
  const listCost = (performance.now() - listStarted) * 1000 / 1000;
  console.log(
    `| ${label.padEnd(34)} | ${perCall.toFixed(1).padStart(8)} µs | ${
      listCost.toFixed(1).padStart(8)
    } µs |`,
  );
}

async function once(header: string, server: string): Promise<void> {
  const principal = await authenticator.authenticate(header, "127.0.0.1");
  if (!policy.canUse({ principal, server }, called)) throw new Error("policy denied the bench");
}

const repeated = `Bearer ${await sign("user-1")}`;
const fresh: string[] = [];
for (let i = 0; i < CALLS + 2000; i++) fresh.push(`Bearer ${await sign(`user-${i}`)}`);

console.log(`auth + policy per call, ${CALLS} calls, Deno ${Deno.version.deno}`);
console.log(`| ${"case".padEnd(34)} | ${"per call".padStart(11)} | ${"list 200".padStart(11)} |`);
console.log(`| ${"-".repeat(34)} | ${"-".repeat(11)} | ${"-".repeat(11)} |`);
await measure("jwt, token seen before", () => repeated);
await measure("jwt, new token each call", (i) => fresh[i % fresh.length]!);
await measure("api key (embedded store)", () => `Bearer ${key.reveal()}`);
await measure("jwt, virtual server /mcp/support", () => repeated, "support");
console.log(`JWKS fetches: ${jwt.jwks.fetches()}`);

await store.close();
await Deno.remove(dataDir, { recursive: true });
