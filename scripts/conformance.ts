// deno-lint-ignore-file no-console
/**
 * Runs the official MCP conformance suite (`SUITE` in `conformance_suite.ts`), run by
 * `deno task conformance` and by `.ci/run`, at 2025-11-25 and 2026-07-28 (each at its own wire:
 * 2025 is the stateful initialize handshake, 2026-07-28 stateless with per-request `_meta`):
 *
 * 1. `shipped`: the gateway serving its shipped tools, for the protocol-level scenarios in
 *    `SHIPPED_SCENARIOS`; every check must pass.
 * 2. Every server scenario that applies at a version (`--suite all`, pending ones included),
 *    against the conformance fixture (`tests/_support/conformance_fixture*.ts`) `direct`ly, and
 *    through the gateway fronting it as an `http` upstream and as a `stdio` upstream
 *    (`prefix: ""`, so names match). A scenario that passes directly must pass through both.
 * 3. `client`: the client scenarios in `CLIENT_SCENARIOS`, the suite starting
 *    `scripts/conformance_client.ts`, which puts a gateway in front of the suite's test server
 *    and calls through it, so the gateway's upstream client is what the suite sees.
 *
 * Differences listed in `conformance_gaps.ts` are reported as known gaps, and listed gaps that
 * pass as closed. Exit 1 on a failed shipped check, an unlisted difference, or a crash.
 * Suite processes for different targets run concurrently (`CONCURRENCY`).
 *
 * Usage: deno task conformance [--markdown /tmp/conformance_result.md] [--scenario NAME]...
 *   [--target shipped|direct|http|stdio|client]... [--spec-version V]...
 * (`conformance_filter.ts`: a narrowed run is for working on one scenario; a full run is the
 * one whose tables go in the README).
 */

import { join } from "node:path";
import {
  compareOutcomes,
  formatComparison,
  formatScenarioTable,
  scenarioOutcomes,
} from "./conformance_compare.ts";
import {
  gapsInScope,
  parseRunFilter,
  type RunFilter,
  type Target,
  wantsScenario,
} from "./conformance_filter.ts";
import { KNOWN_GAPS } from "./conformance_gaps.ts";
import {
  FIXTURE_ENTRY,
  FIXTURE_FLAGS,
  mapLimited,
  ROOT,
  type Service,
  startFixture,
  startGateway,
} from "./conformance_processes.ts";
import {
  countVerdicts,
  crashRow,
  formatMarkdown,
  formatSummary,
  formatTable,
  type Row,
} from "./conformance_report.ts";
import {
  listScenarios,
  runClientScenario,
  runServerScenario,
  runServerSuite,
  SPEC_VERSIONS,
  type SpecVersion,
  SUITE,
} from "./conformance_suite.ts";

/** The protocol-level scenarios the gateway's shipped tools are checked with. */
const SHIPPED_SCENARIOS = [
  "server-initialize",
  "ping",
  "tools-list",
  "dns-rebinding-protection",
  "server-stateless",
  "caching",
  "http-header-validation",
];
/** The client scenarios that fit a gateway's upstream client (no OAuth flows: see README). */
const CLIENT_SCENARIOS = [
  "initialize",
  "tools_call",
  "elicitation-sep1034-client-defaults",
  "sse-retry",
  "request-metadata",
  "http-standard-headers",
  "http-custom-headers",
  "http-invalid-tool-headers",
  "sep-2322-client-request-state",
  "json-schema-2020-12-preservation",
  "json-schema-ref-no-deref",
];
const FIXTURE_TARGETS = ["direct", "http", "stdio"] as const;
const LABELS: Record<string, string> = {
  direct: "direct",
  http: "via HTTP",
  stdio: "via stdio",
  client: "gateway as client",
};
/** Lanes run side by side; the machine's 2 cores are shared, so not all five at once. */
const CONCURRENCY = 3;
const DEFAULT_MARKDOWN = "/tmp/conformance_result.md";
const CLIENT_ENTRY = `${ROOT}scripts/conformance_client.ts`;
/** The client starts a gateway (`deno task start`'s permissions) and talks to it. */
const CLIENT_FLAGS = ("--unstable-no-legacy-abort --allow-net --allow-read --allow-write " +
  "--allow-env --allow-sys --allow-run").split(" ");

interface Plan {
  server: Map<SpecVersion, string[]>;
  client: Array<{ scenario: string; specVersion: SpecVersion }>;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}

async function main(argv: string[]): Promise<number> {
  const workDir = await Deno.makeTempDir({ prefix: "nexus-conformance-" });
  const services: Service[] = [];
  const started = performance.now();
  try {
    const filter = parseRunFilter(argv, DEFAULT_MARKDOWN);
    const plan = await planRuns(workDir, filter);
    const targets = await startTargets(workDir, services, filter.targets);
    console.log(`running ${SUITE}:`);
    console.log(
      `  fixture ${targets.direct?.url ?? "-"}, shipped tools ${targets.shipped?.url ?? "-"}`,
    );
    console.log(
      `  fronting: ${targets.http?.current.url ?? "-"} (HTTP), ${
        targets.stdio?.current.url ?? "-"
      } (stdio)`,
    );
    const rows = await runAll(plan, targets, { workDir, filter });
    // Why: a fronting gateway that exits is restarted, and its crash is a row of its own.
    const died = [targets.direct, targets.shipped].filter((service) => service?.hasExited());
    for (const service of died) {
      printTail(`${service?.url} exited during the run`, service?.stderrTail() ?? []);
    }
    const ok = await report(rows, filter);
    console.log(`conformance run took ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return ok && died.length === 0 ? 0 : 1;
  } catch (error) {
    console.error(`conformance: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
}

/**
 * Asks the suite which scenarios apply at each version (narrowed by `filter`); shipped and client
 * ones, and the scenarios the filter names, must exist.
 */
async function planRuns(workDir: string, filter: RunFilter): Promise<Plan> {
  const plan: Plan = { server: new Map(), client: [] };
  const known = new Set<string>();
  for (const specVersion of filter.specVersions) {
    const [server, client] = await Promise.all([
      listScenarios("server", specVersion, workDir),
      listScenarios("client", specVersion, workDir),
    ]);
    plan.server.set(specVersion, [...server].filter((name) => wantsScenario(filter, name)));
    for (const name of [...server, ...client]) known.add(name);
    for (const scenario of CLIENT_SCENARIOS) {
      if (client.has(scenario) && wantsScenario(filter, scenario)) {
        plan.client.push({ scenario, specVersion });
      }
    }
  }
  // Why: a shipped or client scenario may exist at one version only.
  const everyVersion = filter.specVersions.length === SPEC_VERSIONS.length;
  const named = [
    ...everyVersion ? [...SHIPPED_SCENARIOS, ...CLIENT_SCENARIOS] : [],
    ...filter.scenarios ?? [],
  ];
  const unknown = [...new Set(named)].filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(`Cannot plan the run: the suite does not list ${unknown.join(", ")}`);
  }
  return plan;
}

/** What the runs talk to (those the run's targets need): the fixture, the gateways. */
interface Targets {
  direct?: Service;
  shipped?: Service;
  http?: FrontingGateway;
  stdio?: FrontingGateway;
}

/** A gateway fronting the fixture, restarted when a scenario made it exit. */
interface FrontingGateway {
  current: Service;
  restart(): Promise<void>;
}

/** Starts the fixtures and gateways `wanted` needs; each one is pushed to `services`. */
async function startTargets(
  workDir: string,
  services: Service[],
  wanted: ReadonlySet<Target>,
): Promise<Targets> {
  const stdio = {
    command: Deno.execPath(),
    args: ["run", ...FIXTURE_FLAGS, FIXTURE_ENTRY, "--stdio"],
    cwd: ROOT,
  };
  const [direct, shipped, http, stdioGateway] = await Promise.all([
    wanted.has("direct") ? track(startFixture(), services) : undefined,
    wanted.has("shipped")
      ? track(
        startGateway({ NEXUS_TOOLS_DIR: "tools", NEXUS_DATA_DIR: await dir(workDir, "shipped") }),
        services,
      )
      : undefined,
    wanted.has("http")
      ? track(startFixture(), services).then(async (behindHttp) =>
        startFronting(await upstreamEnv(workDir, "http", { url: behindHttp.url }), services)
      )
      : undefined,
    wanted.has("stdio")
      ? startFronting(await upstreamEnv(workDir, "stdio", { stdio }), services)
      : undefined,
  ]);
  return { direct, shipped, http, stdio: stdioGateway };
}

async function track(starting: Promise<Service>, services: Service[]): Promise<Service> {
  const service = await starting;
  services.push(service);
  return service;
}

async function startFronting(
  env: Record<string, string>,
  services: Service[],
): Promise<FrontingGateway> {
  const gateway: FrontingGateway = {
    current: await startGateway(env),
    async restart() {
      await gateway.current.stop();
      gateway.current = await startGateway(env);
      services.push(gateway.current);
    },
  };
  services.push(gateway.current);
  return gateway;
}

/** A gateway env whose tools dir holds only the fixture as an upstream named `fixture`. */
async function upstreamEnv(
  workDir: string,
  name: string,
  transport: Record<string, unknown>,
): Promise<Record<string, string>> {
  const toolsDir = await dir(workDir, `${name}-tools`);
  const upstream = { name: "fixture", prefix: "", ...transport };
  // Why: JSON is YAML, so the entry needs no quoting rules of its own.
  await Deno.writeTextFile(
    join(toolsDir, "fixture.yaml"),
    JSON.stringify({ upstreams: [upstream] }, null, 2),
  );
  return { NEXUS_TOOLS_DIR: toolsDir, NEXUS_DATA_DIR: await dir(workDir, `${name}-data`) };
}

async function dir(workDir: string, name: string): Promise<string> {
  const path = join(workDir, name);
  await Deno.mkdir(path, { recursive: true });
  return path;
}

/**
 * Runs everything in lanes that run side by side: per target and version one suite process for
 * every server scenario (the fixture directly, and each fronting gateway; one process per
 * scenario when the run names scenarios), the shipped tools scenario by scenario, the client
 * scenarios one by one. A fronting gateway that exited during its batch gets a crash row and is
 * restarted for the next one.
 */
async function runAll(
  plan: Plan,
  targets: Targets,
  options: { workDir: string; filter: RunFilter },
): Promise<Row[]> {
  const { workDir, filter } = options;
  const lanes = new Map<string, Array<() => Promise<Row[]>>>();
  const add = (lane: string, job: () => Promise<Row[]>) =>
    lanes.set(lane, [...lanes.get(lane) ?? [], job]);
  for (const specVersion of filter.specVersions) {
    const expected = plan.server.get(specVersion) ?? [];
    const batch = (target: string, url: string) =>
      timed(`${target} @ ${specVersion}`, async () => {
        if (filter.scenarios === undefined) {
          return await runServerSuite(url, { specVersion, target, expected, workDir });
        }
        const rows: Row[] = [];
        for (const scenario of expected) {
          rows.push(...await runServerScenario(url, { scenario, specVersion, target }, workDir));
        }
        return rows;
      });
    const { direct, shipped } = targets;
    if (direct !== undefined && expected.length > 0) {
      add("direct", () => batch("direct", direct.url));
    }
    for (const target of ["http", "stdio"] as const) {
      const gateway = targets[target];
      if (gateway === undefined || expected.length === 0) continue;
      add(target, async () => {
        const rows = await batch(target, gateway.current.url);
        if (!gateway.current.hasExited()) return rows;
        const last = gateway.current.stderrTail().filter((line) => line.startsWith("error:"));
        const run = { scenario: "(gateway)", specVersion, target };
        printTail(
          `gateway (${target}) exited during the ${specVersion} run`,
          gateway.current.stderrTail(),
        );
        await gateway.restart();
        return [...rows, crashRow(run, `the gateway exited during the run: ${last.join(" ")}`)];
      });
    }
    for (const scenario of SHIPPED_SCENARIOS.filter((s) => expected.includes(s))) {
      const run = { scenario, specVersion, target: "shipped" };
      if (shipped !== undefined) add("shipped", () => runServerScenario(shipped.url, run, workDir));
    }
  }
  // Why: the suite starts the command in its own temp dir, so the import map is named here.
  const command = [Deno.execPath(), "run", "--quiet", `--config=${ROOT}deno.json`, ...CLIENT_FLAGS]
    .concat(CLIENT_ENTRY).join(" ");
  for (const { scenario, specVersion } of filter.targets.has("client") ? plan.client : []) {
    const run = { scenario, specVersion, target: "client" };
    add("client", () => runClientScenario(command, run, { workDir }));
  }
  const results = await mapLimited(
    [...lanes],
    CONCURRENCY,
    ([name, jobs]) =>
      timed(`lane ${name}`, async () => {
        const rows: Row[] = [];
        for (const job of jobs) rows.push(...await job());
        return rows;
      }),
  );
  return results.flat();
}

async function timed(label: string, job: () => Promise<Row[]>): Promise<Row[]> {
  const started = performance.now();
  const rows = await job();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const failed = rows.filter((row) => row.verdict === "failed" || row.verdict === "crashed");
  console.log(`  ${label}: ${rows.length} checks, ${failed.length} failed, ${seconds} s`);
  return rows;
}

/** Prints the tables and the comparison, writes the markdown; true when the run passes. */
async function report(rows: Row[], filter: RunFilter): Promise<boolean> {
  const shipped = rows.filter((row) => row.target === "shipped");
  const counts = countVerdicts(shipped);
  const summary = formatSummary(counts);
  const notPassed = rows.filter((row) => row.target !== "shipped" && row.verdict !== "passed");
  if (filter.targets.has("shipped")) {
    console.log(`\n${formatTable(shipped)}\n\nshipped tools: ${summary}`);
  }
  console.log(`\nfixture and client checks that did not pass:\n${formatTable(notPassed)}`);
  const outcomes = scenarioOutcomes(rows);
  const comparison = compareOutcomes(outcomes, gapsInScope(filter, KNOWN_GAPS));
  const options = { labels: LABELS, specVersions: filter.specVersions, gaps: KNOWN_GAPS };
  const serverTable = formatScenarioTable(outcomes, { ...options, targets: FIXTURE_TARGETS });
  const clientTable = formatScenarioTable(outcomes, { ...options, targets: ["client"] });
  console.log(`\n${serverTable}\n\n${clientTable}\n\n${formatComparison(comparison).join("\n")}`);
  const ok = counts.failed === 0 && counts.crashed === 0 && comparison.regressions.length === 0 &&
    comparison.unused.length === 0;
  if (filter.markdown === undefined) return ok;
  const markdown = [
    formatMarkdown(shipped, { suite: SUITE, summary }),
    serverTable,
    "",
    clientTable,
    "",
  ].join("\n");
  await Deno.writeTextFile(filter.markdown, markdown);
  console.log(`markdown tables written to ${filter.markdown}`);
  return ok;
}

function printTail(title: string, lines: string[]): void {
  console.error(`--- ${title} ---\n${lines.join("\n")}\n---`);
}
