/**
 * The real `nexus credentials`, `nexus keys` and `nexus migrate` commands on the embedded store:
 * secrets in through stdin, a file or an env variable only; metadata out, never a secret.
 */

import assert from "node:assert/strict";
import { generateMasterKey } from "../../lib/credentials/mod.ts";
import { openStore } from "../../lib/store/mod.ts";
import { MIGRATIONS } from "../../lib/store/migrations.ts";
import { runNexus } from "../_support/cli.ts";
import { writeLegacyRows } from "../credentials/_legacy_seal.ts";

const TOKEN = "tok-cli-secret-123456";

Deno.test("nexus credentials and keys manage the vault without printing a secret", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "nexus-cli-" });
  const keyFile = `${dir}/master.key`;
  const env = { NEXUS_DATA_DIR: `${dir}/data`, NEXUS_MASTER_KEY_FILE: keyFile };
  const everything: string[] = [];
  const nexus = async (
    args: string[],
    options: { stdin?: string; env?: Record<string, string> } = {},
  ) => {
    const run = await runNexus(args, { env: { ...env, ...options.env }, stdin: options.stdin });
    everything.push(run.stdout, run.stderr);
    return run;
  };
  try {
    await t.step("migrate applies every migration, then none", async () => {
      const first = await nexus(["migrate"]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, new RegExp(`${MIGRATIONS.length} migration\\(s\\) applied`));
      const again = await nexus(["migrate"]);
      assert.match(
        again.stdout,
        new RegExp(`0 migration\\(s\\) applied, ${MIGRATIONS.length} in total`),
      );
    });

    await t.step("keys generate prints a 32-byte base64 key", async () => {
      const run = await nexus(["keys", "generate"]);
      assert.equal(run.code, 0);
      assert.equal(atob(run.stdout.trim()).length, 32);
      await Deno.writeTextFile(keyFile, run.stdout, { mode: 0o600 });
    });

    await t.step("set reads the secret from stdin, a file or an env variable", async () => {
      const fromStdin = await nexus([
        "credentials",
        "set",
        "jira",
        "--kind",
        "bearer",
        "--rotate-every",
        "90d",
      ], {
        stdin: TOKEN,
      });
      assert.equal(fromStdin.code, 0, fromStdin.stderr);
      await Deno.writeTextFile(`${dir}/secret.txt`, `${TOKEN}-file\n`);
      const fromFile = await nexus([
        "credentials",
        "set",
        "gh",
        "--kind",
        "api_key",
        "--header",
        "X-Key",
        "--file",
        `${dir}/secret.txt`,
      ]);
      assert.equal(fromFile.code, 0, fromFile.stderr);
      const fromEnv = await nexus([
        "credentials",
        "set",
        "svc",
        "--kind",
        "basic",
        "--username",
        "bob",
        "--from-env",
        "SVC_PW",
      ], {
        env: { SVC_PW: `${TOKEN}-env` },
      });
      assert.equal(fromEnv.code, 0, fromEnv.stderr);
      const onArgv = await nexus([
        "credentials",
        "set",
        "x",
        "--kind",
        "bearer",
        "--secret",
        TOKEN,
      ]);
      assert.equal(onArgv.code, 2, "a secret flag on argv is refused");
    });

    await t.step("list and show print metadata only; rotate records who and when", async () => {
      const rotate = await nexus(["credentials", "rotate", "jira", "--grace", "1h"], {
        stdin: `${TOKEN}-v2`,
      });
      assert.equal(rotate.code, 0, rotate.stderr);
      assert.match(
        rotate.stdout,
        /version 2; the previous version stays usable for retries for 1h/,
      );
      const list = await nexus(["credentials", "list"]);
      assert.match(list.stdout, /^NAME\s+KIND\s+VERSION\s+ROTATE EVERY\s+ROTATION/);
      assert.match(list.stdout, /\njira\s+bearer\s+2\s+90d\s+due \d{4}-/);
      assert.match(list.stdout, /\ngh\s+api_key\s+1\s+-\s+-/);
      const show = JSON.parse((await nexus(["credentials", "show", "jira"])).stdout);
      assert.deepEqual(show.versions.map((v: { version: number }) => v.version), [2, 1]);
      assert.equal(show.events[0].action, "rotate");
      assert.match(show.events[0].actor, /^cli/);
      assert.match(show.events[0].at, /^\d{4}-\d\d-\d\dT/);
      assert.match(
        (await nexus(["credentials", "test", "svc"])).stdout,
        /version 1 \(basic\) opens/,
      );
    });

    await t.step(
      "keys rotate adds a KEK version to the key file and re-wraps every data key",
      async () => {
        const run = await nexus(["keys", "rotate"]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /Added KEK version 2/);
        assert.match(run.stdout, /Re-wrapped 4 data key\(s\) under KEK version 2/);
        const show = JSON.parse((await nexus(["credentials", "show", "jira"])).stdout);
        assert.deepEqual(show.versions.map((v: { kekVersion: number }) => v.kekVersion), [2, 2]);
        assert.match((await nexus(["credentials", "test", "jira"])).stdout, /opens/);
      },
    );

    await t.step(
      "delete removes a credential; without a master key secrets cannot be set",
      async () => {
        assert.equal((await nexus(["credentials", "delete", "gh"])).code, 0);
        const gone = await nexus(["credentials", "show", "gh"]);
        assert.equal(gone.code, 1);
        assert.match(gone.stderr, /Credential not found: "gh"/);
        const locked = await nexus(["credentials", "set", "y", "--kind", "bearer"], {
          stdin: TOKEN,
          env: { NEXUS_MASTER_KEY_FILE: "" },
        });
        assert.equal(locked.code, 1);
        assert.match(
          locked.stderr,
          /No master key configured: set NEXUS_MASTER_KEY or NEXUS_MASTER_KEY_FILE/,
        );
      },
    );

    await t.step("no command printed a secret", () => {
      const printed = everything.join("\n");
      for (const secret of [TOKEN, btoa(`bob:${TOKEN}-env`)]) {
        assert.ok(!printed.includes(secret), `printed ${secret}`);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("nexus migrate re-seals credentials an older gateway sealed in format 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nexus-cli-" });
  const key = generateMasterKey();
  try {
    const old = await openStore({ dataDir: dir }, { migrate: false });
    try {
      const before = MIGRATIONS.filter((m) => m.id !== "002_credential_seal_format");
      await old.migrate({ migrations: before });
      await writeLegacyRows(old, key);
    } finally {
      await old.close();
    }
    const env = { NEXUS_DATA_DIR: dir, NEXUS_MASTER_KEY: key };
    const withoutKey = await runNexus(["migrate"], { env: { NEXUS_DATA_DIR: dir } });
    assert.equal(withoutKey.code, 0, withoutKey.stderr);
    assert.match(withoutKey.stdout, /Applied 002_credential_seal_format/);
    assert.match(withoutKey.stderr, /older format are left/);
    const run = await runNexus(["migrate"], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Credentials re-sealed in format 2: 3 \(raced 0, failed 0\)/);
    const store = await openStore({ dataDir: dir });
    try {
      assert.deepEqual(await store.credentials.listSealedBelowFormat(2, 10), []);
    } finally {
      await store.close();
    }
    assert.ok(!(run.stdout + run.stderr).includes("tok-legacy-123"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
