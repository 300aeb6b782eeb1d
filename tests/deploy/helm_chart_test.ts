/**
 * The Helm chart renders with the real helm (v4) and every object it renders validates against
 * the Kubernetes schemas (kubernetes-models, generated from the Kubernetes OpenAPI definitions;
 * the ServiceMonitor against the prometheus-operator CRD schema). No cluster is needed.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import {
  installHelm,
  installKubernetesModels,
  installServiceMonitorModel,
  installTypeScript,
  run,
  runNode,
} from "./_tools.ts";

const CHART = new URL("../../deploy/helm/nexus", import.meta.url).pathname;

/** The smallest values that render: an existing master key Secret, shared Postgres and Redis. */
const REQUIRED = [
  "masterKey.existingSecret=nexus-kek",
  "database.existingSecret=nexus-db",
  "redis.existingSecret=nexus-redis",
];

/** Every optional part on: inline secrets, ServiceMonitor, config, tools, egress, env. */
const EVERYTHING = [
  "masterKey.value=1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "database.url=postgres://nexus:pw@postgres:5432/nexus",
  "redis.url=redis://redis:6379",
  "serviceMonitor.enabled=true",
  "serviceMonitor.bearerTokenSecret.name=prometheus-admin-key",
  "allowedHosts={nexus.example.com,nexus.internal}",
  "egress.private=deny",
  "egress.allow={10.20.0.0/16,jira.internal}",
  "config.logLevel=debug",
  "tools.jira\\.yaml=tools: []",
  "extraEnv[0].name=OTEL_SERVICE_NAME",
  "extraEnv[0].value=nexus-gateway",
  "networkPolicy.ingressFrom[0].namespaceSelector.matchLabels.team=agents",
];

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  // deno-lint-ignore no-explicit-any
  spec?: any;
  // deno-lint-ignore no-explicit-any
  [key: string]: any;
}

async function render(sets: string[]): Promise<K8sObject[]> {
  const helm = await installHelm();
  const args = ["template", "nexus", CHART, "--namespace", "gateway"];
  for (const set of sets) args.push("--set", set);
  const { stdout } = await run(helm, args);
  return parseAllDocuments(stdout).map((doc) => {
    assert.deepEqual(doc.errors, [], "helm rendered invalid YAML");
    return doc.toJS() as K8sObject;
  }).filter((object) => object !== null);
}

async function renderError(sets: string[]): Promise<string> {
  const helm = await installHelm();
  const args = ["template", "nexus", CHART];
  for (const set of sets) args.push("--set", set);
  const error = await run(helm, args).then(() => undefined, (e: Error) => e);
  assert.ok(error !== undefined, `helm template succeeded with ${sets.join(" ")}`);
  return error.message;
}

const MODEL_PATHS: Record<string, string> = {
  "v1/Secret": "v1/Secret.js",
  "v1/ConfigMap": "v1/ConfigMap.js",
  "v1/Service": "v1/Service.js",
  "v1/ServiceAccount": "v1/ServiceAccount.js",
  "apps/v1/Deployment": "apps/v1/Deployment.js",
  "autoscaling/v2/HorizontalPodAutoscaler": "autoscaling/v2/HorizontalPodAutoscaler.js",
  "policy/v1/PodDisruptionBudget": "policy/v1/PodDisruptionBudget.js",
  "networking.k8s.io/v1/NetworkPolicy": "networking.k8s.io/v1/NetworkPolicy.js",
};

/**
 * Node runs the validators: the models packages import each other by bare name, which Node's
 * module resolution finds in the install's node_modules (Deno's, under this repo's import map,
 * does not).
 */
const NODE_VALIDATOR = `
const [module, kind] = process.argv.slice(1);
let input = "";
for await (const chunk of process.stdin) input += chunk;
const Model = (await import(module))[kind];
try {
  new Model(JSON.parse(input)).validate();
  process.stdout.write("valid");
} catch (error) {
  process.stdout.write(String(error.message));
  process.exitCode = 3;
}
`;

/** Validates one object against its schema; throws naming the object and the schema errors. */
async function validate(object: K8sObject): Promise<void> {
  const key = `${object.apiVersion}/${object.kind}`;
  let module: string;
  if (key === "monitoring.coreos.com/v1/ServiceMonitor") {
    module = await installServiceMonitorModel();
  } else {
    const path = MODEL_PATHS[key];
    assert.ok(path !== undefined, `no schema for ${key}: add it to MODEL_PATHS`);
    module = join(await installKubernetesModels(), path);
  }
  const output = await runNode(NODE_VALIDATOR, [module, object.kind], JSON.stringify(object));
  const stdout = output.stdout;
  if (output.code === 3) throw new Error(`${key} ${object.metadata.name} is invalid: ${stdout}`);
  if (output.code !== 0 || stdout !== "valid") {
    throw new Error(`Cannot validate ${key}: node exited with ${output.code}: ${output.stderr}`);
  }
}

/**
 * Type-checks the objects as object literals of their kubernetes-models interfaces: TypeScript's
 * excess-property check rejects any field the Kubernetes definitions do not declare (what
 * `kubectl --validate=strict` refuses, and the JSON-schema validators above allow). Returns tsc's
 * diagnostics, empty when every object passes.
 */
async function unknownFields(objects: K8sObject[]): Promise<string> {
  const tsc = await installTypeScript();
  const model = await installServiceMonitorModel();
  // Why there: that install's node_modules holds kubernetes-models and the operator's models.
  const prefix = model.slice(0, model.indexOf("/node_modules/"));
  const dir = await Deno.makeTempDir({ dir: prefix, prefix: "strict-" });
  try {
    const lines = objects.map((object, i) => {
      const key = `${object.apiVersion}/${object.kind}`;
      const path = key === "monitoring.coreos.com/v1/ServiceMonitor"
        ? "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor"
        : `kubernetes-models/${MODEL_PATHS[key]?.replace(/\.js$/, "")}`;
      return `import type { I${object.kind} as T${i} } from "${path}";\n` +
        `export const o${i}: T${i} = ${JSON.stringify(object)};`;
    });
    await Deno.writeTextFile(join(dir, "check.ts"), lines.join("\n"));
    await Deno.writeTextFile(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: "nodenext",
          moduleResolution: "nodenext",
          skipLibCheck: true,
          target: "es2022",
        },
        files: ["check.ts"],
      }),
    );
    const output = await new Deno.Command("node", {
      args: [tsc, "-p", join(dir, "tsconfig.json")],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    if (output.success) return "";
    assert.ok(text.includes("error TS"), `tsc failed without diagnostics: ${text}`);
    return text;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function find(objects: K8sObject[], kind: string): K8sObject {
  const found = objects.find((object) => object.kind === kind);
  assert.ok(found !== undefined, `no ${kind} rendered`);
  return found;
}

Deno.test("helm lint --strict passes on the chart with the required values", async () => {
  const helm = await installHelm();
  const args = ["lint", "--strict", CHART];
  for (const set of REQUIRED) args.push("--set", set);
  const { stdout } = await run(helm, args);
  assert.match(stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
});

Deno.test("every object rendered with the required values validates against its schema", async () => {
  const objects = await render(REQUIRED);
  const kinds = objects.map((object) => object.kind).sort();
  assert.deepEqual(kinds, [
    "ConfigMap",
    "Deployment",
    "HorizontalPodAutoscaler",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "Service",
    "ServiceAccount",
  ]);
  for (const object of objects) await validate(object);
});

Deno.test("every object rendered with every option on validates against its schema", async () => {
  const objects = await render(EVERYTHING);
  const kinds = new Set(objects.map((object) => object.kind));
  for (const kind of ["Secret", "ServiceMonitor", "HorizontalPodAutoscaler"]) {
    assert.ok(kinds.has(kind), `no ${kind} rendered`);
  }
  assert.equal(objects.filter((object) => object.kind === "ConfigMap").length, 2);
  for (const object of objects) await validate(object);
});

Deno.test("no rendered object carries a field the Kubernetes types do not declare", async () => {
  const objects = [...await render(REQUIRED), ...await render(EVERYTHING)];
  assert.equal(await unknownFields(objects), "");
  const typo = structuredClone(find(objects, "Deployment"));
  typo.spec.template.spec.containers[0].readinessProbe.httpGet.pathh = "/readyz";
  assert.match(await unknownFields([typo]), /pathh"' does not exist in type 'IHTTPGetAction'/);
});

Deno.test("the schema validation rejects a broken Deployment, so passing it means something", async () => {
  const deployment = structuredClone(find(await render(REQUIRED), "Deployment"));
  deployment.spec.template.spec.containers[0].ports[0].containerPort = "eighty";
  await assert.rejects(() => validate(deployment), /containerPort must be integer/);
  delete deployment.spec.selector;
  await assert.rejects(() => validate(deployment), /selector/);
});

Deno.test("the Deployment probes /readyz and /healthz, outlasts the drain and runs locked down", async () => {
  const deployment = find(await render(REQUIRED), "Deployment");
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  assert.equal(container.readinessProbe.httpGet.path, "/readyz");
  assert.equal(container.livenessProbe.httpGet.path, "/healthz");
  const env = Object.fromEntries(
    container.env.map((e: { name: string; value?: string }) => [e.name, e.value]),
  );
  const drainSeconds = (Number(env.NEXUS_DRAIN_MS) + Number(env.NEXUS_DRAIN_SETTLE_MS)) / 1000;
  assert.equal(Number(env.NEXUS_DRAIN_MS), 25_000);
  assert.equal(drainSeconds, 35);
  assert.ok(pod.terminationGracePeriodSeconds > drainSeconds, "grace period not above the drain");
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
  assert.ok(container.resources.requests.cpu, "no CPU request (the HPA needs one)");
  assert.equal(env.NEXUS_MASTER_KEY_FILE, "/run/secrets/nexus/master-key");
  assert.ok(!("NEXUS_MASTER_KEY" in env), "the master key must not be an env value");
  const keyVolume = pod.volumes.find((v: { name: string }) => v.name === "master-key");
  assert.equal(keyVolume.secret.secretName, "nexus-kek");
  const writable = container.volumeMounts.filter((m: { readOnly?: boolean }) => !m.readOnly)
    .map((m: { mountPath: string }) => m.mountPath).sort();
  assert.deepEqual(writable, ["/tmp", "/var/lib/nexus"]);
  const db = container.env.find((e: { name: string }) => e.name === "NEXUS_DATABASE_URL");
  assert.deepEqual(db.valueFrom.secretKeyRef, { name: "nexus-db", key: "database-url" });
});

Deno.test("the Service has no session affinity and the PDB and HPA select the Deployment", async () => {
  const objects = await render(REQUIRED);
  const deployment = find(objects, "Deployment");
  const labels = deployment.spec.template.metadata.labels;
  assert.equal(find(objects, "Service").spec.sessionAffinity, "None");
  assert.deepEqual(find(objects, "Service").spec.selector, labels);
  assert.deepEqual(find(objects, "PodDisruptionBudget").spec.selector.matchLabels, labels);
  assert.equal(find(objects, "HorizontalPodAutoscaler").spec.scaleTargetRef.name, "nexus");
  assert.ok(!("replicas" in deployment.spec), "the HPA owns the replica count");
  const policy = find(objects, "NetworkPolicy");
  assert.deepEqual(policy.spec.policyTypes, ["Ingress", "Egress"]);
  const except = policy.spec.egress[1].to[0].ipBlock.except;
  assert.ok(except.includes("169.254.0.0/16"), "metadata range not refused");
});

Deno.test("the inline values land in the chart's Secret and the env, never in plain values", async () => {
  const objects = await render(EVERYTHING);
  const secret = find(objects, "Secret");
  assert.equal(atob(secret.data["database-url"]), "postgres://nexus:pw@postgres:5432/nexus");
  assert.ok(secret.data["master-key"]);
  const container = find(objects, "Deployment").spec.template.spec.containers[0];
  const env = Object.fromEntries(
    container.env.map((e: { name: string; value?: string }) => [e.name, e.value]),
  );
  assert.equal(env.NEXUS_EGRESS_PRIVATE, "deny");
  assert.equal(env.NEXUS_EGRESS_ALLOW, "10.20.0.0/16,jira.internal");
  assert.equal(env.NEXUS_ALLOWED_HOSTS, "nexus.example.com,nexus.internal,$(POD_IP)");
  assert.equal(env.OTEL_SERVICE_NAME, "nexus-gateway");
  const rendered = JSON.stringify(objects.filter((object) => object.kind !== "Secret"));
  assert.ok(!rendered.includes("postgres://nexus:pw"), "the database URL leaked out of the Secret");
  const config = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "nexus");
  assert.match(config?.data["nexus.yaml"], /logLevel: debug/);
  const monitor = find(objects, "ServiceMonitor");
  assert.equal(monitor.spec.endpoints[0].path, "/metrics");
});

Deno.test("rendering fails clearly without a master key or, when scaled, without shared state", async () => {
  assert.match(await renderError([]), /Cannot render nexus: set masterKey\.existingSecret/);
  assert.match(
    await renderError(["masterKey.existingSecret=k"]),
    /more than one replica needs shared Postgres/,
  );
  assert.match(
    await renderError(["masterKey.existingSecret=k", "database.url=postgres://x"]),
    /more than one replica needs shared Redis/,
  );
  assert.match(
    await renderError([...REQUIRED, "terminationGracePeriodSeconds=30"]),
    /terminationGracePeriodSeconds must be above drainMs plus drainSettleMs/,
  );
  assert.match(
    await renderError([...REQUIRED, "serviceMonitor.enabled=true"]),
    /serviceMonitor needs bearerTokenSecret\.name/,
  );
  // One replica without autoscaling may run on the embedded store.
  const single = await render([
    "masterKey.existingSecret=k",
    "autoscaling.enabled=false",
    "replicaCount=1",
  ]);
  assert.equal(find(single, "Deployment").spec.replicas, 1);
});
