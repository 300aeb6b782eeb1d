import assert from "node:assert/strict";
import { loadConfig } from "../../lib/config/mod.ts";
import { GatewayError } from "../../lib/errors.ts";
import { Secret } from "../../lib/secret.ts";

const noEnv = () => undefined;

Deno.test("loadConfig() reads databases: with defaults, the kind from the scheme, the URL wrapped", () => {
  const config = loadConfig(
    noEnv,
    `databases:
  - name: crm
    url: postgres://reader:pa55word@db:5432/crm
  - name: shop
    url: mariadb://app:pw@db:3306/shop
    maxConnections: 2
    statementTimeout: 2s
    maxRows: 20
    maxBytes: 5000
`,
  );
  const [crm, shop] = config.databases;
  assert.ok(crm?.url instanceof Secret);
  assert.equal(crm.url.reveal(), "postgres://reader:pa55word@db:5432/crm");
  assert.deepEqual({ ...crm, url: undefined }, {
    name: "crm",
    kind: "postgres",
    url: undefined,
    maxConnections: 5,
    statementTimeout: 10_000,
    maxRows: 100,
    maxBytes: 100_000,
  });
  assert.deepEqual({ ...shop, url: undefined }, {
    name: "shop",
    kind: "mysql",
    url: undefined,
    maxConnections: 2,
    statementTimeout: 2_000,
    maxRows: 20,
    maxBytes: 5_000,
  });
  assert.doesNotMatch(JSON.stringify(config), /pa55word/);
  assert.deepEqual(loadConfig(noEnv).databases, []);
});

Deno.test("loadConfig() refuses bad databases: entries without echoing the URL", () => {
  const file = `databases:
  - name: Bad Name
    url: http://user:topsecret@db/x
  - name: ok
    url: postgres://db/x
    statementTimeout: forever
`;
  assert.throws(() => loadConfig(noEnv, file), (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, "INVALID_CONFIG");
    assert.match(error.message, /databases\.0\.name: must be 1-64 of a-z 0-9 _ -/);
    assert.match(error.message, /databases\.0\.url: must be a postgres:\/\/, postgresql:\/\//);
    assert.match(error.message, /databases\.1\.statementTimeout: must be a duration/);
    assert.doesNotMatch(error.message, /topsecret/);
    return true;
  });
});

Deno.test("loadConfig() refuses two databases with one name", () => {
  const file =
    "databases:\n  - { name: ok, url: postgres://db/x }\n  - { name: ok, url: postgres://db/y }\n";
  assert.throws(() => loadConfig(noEnv, file), /duplicate database name: ok/);
});

Deno.test("loadConfig() fills ${VAR} in a database URL from the environment", () => {
  const env = (name: string) => name === "NEXUS_TOOL_CRM_DB" ? "postgres://u:pw@db/crm" : undefined;
  const file = 'databases:\n  - { name: crm, url: "${NEXUS_TOOL_CRM_DB}" }\n';
  assert.equal(loadConfig(env, file).databases[0]?.url.reveal(), "postgres://u:pw@db/crm");
  assert.throws(
    () => loadConfig(noEnv, file),
    /nexus\.yaml: databases: environment variable NEXUS_TOOL_CRM_DB is not set/,
  );
});
