/**
 * compose.yaml validates and resolves with the real docker-compose (`docker-compose config`, which
 * needs no Docker engine), and what it resolves to is the deployment the README describes.
 */

import assert from "node:assert/strict";
import { parse } from "yaml";
import { installDockerCompose, run } from "./_tools.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | null>;
  healthcheck?: { test: string[] };
  secrets?: { source: string }[];
  volumes?: string[];
  read_only?: boolean;
  cap_drop?: string[];
  stop_grace_period?: string;
  init?: boolean;
  depends_on?: Record<string, { condition: string }>;
}

async function resolvedCompose(): Promise<{ services: Record<string, Service>; raw: string }> {
  const compose = await installDockerCompose();
  const { stdout } = await run(compose, [
    "--project-directory",
    ROOT,
    "-f",
    `${ROOT}compose.yaml`,
    "config",
  ], {
    POSTGRES_PASSWORD: "test-password",
  });
  return { services: parse(stdout).services, raw: stdout };
}

Deno.test("docker-compose config validates compose.yaml", async () => {
  const { services } = await resolvedCompose();
  assert.deepEqual(Object.keys(services).sort(), [
    "gateway-1",
    "gateway-2",
    "nginx",
    "postgres",
    "redis",
  ]);
  for (const [name, service] of Object.entries(services)) {
    assert.ok(service.healthcheck?.test.length, `${name} has no healthcheck`);
  }
});

Deno.test("docker-compose config refuses compose.yaml without a Postgres password", async () => {
  const compose = await installDockerCompose();
  const error = await run(compose, ["-f", `${ROOT}compose.yaml`, "config"], {
    POSTGRES_PASSWORD: "",
  })
    .then(() => undefined, (e: Error) => e);
  assert.match(String(error?.message), /set POSTGRES_PASSWORD/);
});

Deno.test("both gateways share Postgres and Redis, read the master key from a secret file and run locked down", async () => {
  const { services, raw } = await resolvedCompose();
  for (const name of ["gateway-1", "gateway-2"]) {
    const gateway = services[name];
    assert.ok(gateway !== undefined);
    const env = gateway.environment ?? {};
    assert.equal(env.NEXUS_DATABASE_URL, "postgres://postgres:test-password@postgres:5432/nexus");
    assert.equal(env.NEXUS_REDIS_URL, "redis://redis:6379");
    assert.equal(env.NEXUS_MASTER_KEY_FILE, "/run/secrets/nexus_master_key");
    assert.ok(!("NEXUS_MASTER_KEY" in env), "the master key must not be inline");
    assert.deepEqual(gateway.secrets?.map((s) => s.source), ["nexus_master_key"]);
    assert.equal(gateway.read_only, true);
    assert.deepEqual(gateway.cap_drop, ["ALL"]);
    assert.equal(gateway.init, undefined, "the image runs tini; a second init only adds a warning");
    assert.deepEqual(gateway.healthcheck?.test.slice(0, 3), [
      "CMD",
      "/usr/local/bin/nexus",
      "health",
    ]);
    assert.ok(
      parseSeconds(gateway.stop_grace_period) > 30,
      "stop grace not above the 5 + 25 s drain",
    );
    assert.equal(gateway.depends_on?.postgres?.condition, "service_healthy");
    assert.equal(gateway.depends_on?.redis?.condition, "service_healthy");
    assert.ok(gateway.volumes?.some((v) => v.includes(":/var/lib/nexus")), "no data volume");
  }
  assert.match(raw, /file: .*secrets\/nexus_master_key/);
});

Deno.test("nginx balances the two gateways round robin with no stickiness", async () => {
  const { services } = await resolvedCompose();
  assert.ok(services.nginx?.volumes?.some((v) => v.includes("deploy/nginx/nginx.conf")));
  const conf = await Deno.readTextFile(`${ROOT}deploy/nginx/nginx.conf`);
  const upstream = conf.match(/upstream nexus \{([^}]*)\}/)?.[1] ?? "";
  const servers = [...upstream.matchAll(/^\s*server\s+(\S+)/gm)].map((m) => m[1]);
  assert.deepEqual(servers, ["gateway-1:8080", "gateway-2:8080"]);
  const directives = conf.replace(/#.*$/gm, "");
  for (const sticky of ["ip_hash", "hash ", "sticky", "least_conn"]) {
    assert.ok(!directives.includes(sticky), `nginx.conf uses ${sticky}`);
  }
  assert.match(directives, /proxy_pass http:\/\/nexus;/);
  assert.match(directives, /proxy_buffering off;/);
  assert.doesNotMatch(directives, /non_idempotent/);
});

function parseSeconds(value: string | undefined): number {
  const match = /^(\d+)s$/.exec(value ?? "");
  assert.ok(match, `not a duration in seconds: ${value}`);
  return Number(match[1]);
}
