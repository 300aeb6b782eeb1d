import assert from "node:assert/strict";
import { resolve } from "node:path";
import { permissionFlags } from "../../lib/cli/permissions.ts";
import { loadConfig } from "../../lib/config/mod.ts";

function configFrom(yaml: string, env: Record<string, string> = {}) {
  return loadConfig((name) => env[name], yaml, "/etc/nexus/nexus.yaml");
}

function flag(flags: string[], name: string): string[] | undefined {
  const found = flags.find((f) => f === name || f.startsWith(`${name}=`));
  if (found === undefined) return undefined;
  return found.includes("=") ? found.slice(name.length + 1).split(",") : [];
}

const BASE = "toolsDir: /srv/tools\ndataDir: /var/lib/nexus\n";

Deno.test("permissionFlags() scopes read, write and env to the config, never -A", () => {
  const yaml =
    `${BASE}toolEnv: [JIRA_TOKEN]\ndatabases:\n  - name: crm\n    url: postgres://app:\${CRM_PASSWORD}@db/crm\n`;
  const flags = permissionFlags(configFrom(yaml, { CRM_PASSWORD: "x" }), {
    configPath: "/etc/nexus/nexus.yaml",
    configText: yaml,
  });
  assert.ok(!flags.some((f) => f === "-A" || f === "--allow-all"));
  assert.deepEqual(flag(flags, "--allow-read"), [
    "/etc/nexus",
    "/etc/nexus/nexus.yaml",
    "/srv/tools",
    "/var/lib/nexus",
  ]);
  assert.deepEqual(flag(flags, "--allow-write"), ["/var/lib/nexus"]);
  const env = flag(flags, "--allow-env")!;
  for (const name of ["NEXUS_*", "OTEL_*", "NEXUS_TOOL_*", "JIRA_TOKEN", "CRM_PASSWORD"]) {
    assert.ok(env.includes(name), `${name} in ${env}`);
  }
  assert.ok(!env.includes("AWS_SECRET_ACCESS_KEY"));
  assert.deepEqual(flag(flags, "--allow-net"), []);
  assert.equal(flag(flags, "--allow-run"), undefined, "no stdio upstream: no subprocess");
  assert.equal(flag(flags, "--allow-sys"), undefined);
});

Deno.test("permissionFlags() grants run only when stdio upstreams are configured", () => {
  const yaml = `${BASE}upstreams:
  - name: files
    stdio: { command: /usr/local/bin/mcp-files, args: [--root, /srv/files], cwd: /srv/files }
  - name: git
    stdio: { command: uvx, args: [mcp-server-git] }
  - name: remote
    url: https://mcp.example.com/mcp
`;
  const flags = permissionFlags(configFrom(yaml), { configPath: "nexus.yaml", configText: yaml });
  // Scoped to the stdio commands (a stop signals each leader and closes its stdin).
  assert.deepEqual(flag(flags, "--allow-run"), ["/usr/local/bin/mcp-files", "uvx"]);
  assert.ok(flag(flags, "--allow-env")!.includes("NODE_V8_COVERAGE"));
  assert.ok(flag(flags, "--allow-read")!.includes("/srv/files"), "a stdio cwd is readable");
  assert.ok(flag(flags, "--allow-read")!.includes(resolve("nexus.yaml")));
});

Deno.test("permissionFlags() without a config file reads only where the gateway looks", () => {
  const flags = permissionFlags(configFrom(BASE), {
    configPath: "/opt/app/nexus.yaml",
    extraReads: ["/opt/app/lib/"],
  });
  assert.deepEqual(flag(flags, "--allow-read"), [
    "/opt/app/lib/",
    "/opt/app/nexus.yaml",
    "/srv/tools",
    "/var/lib/nexus",
  ]);
});
