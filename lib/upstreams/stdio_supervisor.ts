/**
 * One supervised stdio upstream: a single child process (and its process group) shared by every
 * caller, an SDK client connected over its pipes, restarts with capped exponential backoff, and
 * a reaped group on close.
 *
 * A small state machine that reads better whole, hence one function a little over the usual size.
 */

import type { Client as SdkClient } from "@modelcontextprotocol/client";
// Why re-exported here (not from mod.ts): it makes the SDK class a public reference for
// `deno doc --lint` without pulling the SDK's own undocumented internals into the lint.
export { Client as SdkClient } from "@modelcontextprotocol/client";
import { GatewayError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { createUpstreamClient, type UpstreamNotices } from "./upstream_client.ts";
import { createChildTransport } from "./child_transport.ts";
import { type ChildExit, type GroupChild, spawnGroup, stopGroup } from "./process_group.ts";
import { createStderrLines } from "./stderr_log.ts";
import { guardClient } from "./guard_client.ts";
import { childEnv } from "./child_env.ts";
import type { UpstreamConnection, UpstreamState, UpstreamStatus } from "./connection.ts";

/**
 * The MCP SDK v2 client (`@modelcontextprotocol/client`) an upstream connection hands out.
 */
export type Client = SdkClient;

/** How to start one stdio upstream; `env` values are already resolved (secrets included). */
export interface StdioUpstreamSpec {
  /** The upstream's name, used in logs and error messages. */
  name: string;
  /** The program to run, looked up on the child's `PATH`. */
  command: string;
  /** Its arguments; never secrets (argv is visible to every user of the host). */
  args: string[];
  /** The child's environment on top of `PATH` and `HOME`; where secrets go. */
  env: Record<string, string>;
  /** The working directory; the gateway's own when absent. */
  cwd?: string;
}

/** Options of `superviseStdio`. */
export interface SuperviseOptions {
  /** Where lifecycle records and the child's stderr go (with `upstream: name`). */
  logger: Logger;
  /** Start the child now instead of on the first `client()` call. */
  startAtBoot?: boolean;
  /** Delay before restart number n: `min(maxMs, initialMs * 2^(n-1))`; default 250 ms to 30 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** Time a child must run before its failure count resets; default 60 s. */
  stableMs?: number;
  /** SIGTERM-to-SIGKILL grace when stopping the group; default 2 s. */
  graceMs?: number;
  /**
   * Builds the client for each child (capabilities, request handlers); the default negotiates
   * either protocol era (`versionNegotiation: auto`).
   */
  createClient?: () => Client;
  /** The clock, injectable for tests. */
  now?: () => number;
  /**
   * Runs before every child start (the first and each restart): the `env` to start it with
   * (replacing `spec.env`, e.g. with vault credentials resolved) and a redactor applied to its
   * stderr lines and start errors. A rejection fails that start like a spawn failure.
   */
  prepare?: () => Promise<{ env: Record<string, string>; redact?: (text: string) => string }>;
  /** Change notifications of the default client (ignored with `createClient`). */
  notices?: UpstreamNotices;
}

type Redact = (text: string) => string;

/** One child life: its process, its client and, once it died, why. */
interface Generation {
  child: GroupChild;
  client: Client;
  guarded: Client;
  startedAt: number;
  death?: string;
  stopping?: Promise<ChildExit>;
}

/**
 * Supervises `spec` as a stdio MCP upstream. Calls in flight when the child dies reject with
 * `GatewayError("UPSTREAM_UNAVAILABLE")`; `client()` raises `UPSTREAM_UNAVAILABLE` after
 * `close()` or when a start fails.
 */
export function superviseStdio(
  spec: StdioUpstreamSpec,
  options: SuperviseOptions,
): UpstreamConnection {
  const logger = options.logger.child({ upstream: spec.name });
  const initialMs = options.backoff?.initialMs ?? 250;
  const maxMs = options.backoff?.maxMs ?? 30_000;
  const stableMs = options.stableMs ?? 60_000;
  const graceMs = options.graceMs ?? 2_000;
  const now = options.now ?? Date.now;
  const newClient = options.createClient ?? (() => createUpstreamClient(options.notices ?? {}));

  let status: UpstreamStatus = "idle";
  let restarts = 0;
  let failures = 0;
  let lastError: string | undefined;
  let current: Generation | undefined;
  let starting: Promise<Generation> | undefined;
  let launching: Generation | undefined;
  let backoffTimer: ReturnType<typeof setTimeout> | undefined;
  let backoffWait: { promise: Promise<void>; resolve: () => void } | undefined;
  /** The generation each handed-out client belongs to, so `lost()` can tell it died. */
  const generations = new WeakMap<Client, Generation>();

  function unavailable(message: string, cause?: unknown): GatewayError {
    return new GatewayError("UPSTREAM_UNAVAILABLE", message, {
      data: { upstream: spec.name },
      cause,
    });
  }

  async function prepareEnv(): Promise<{ env: Record<string, string>; redact: Redact }> {
    if (options.prepare === undefined) return { env: spec.env, redact: (text) => text };
    try {
      const prepared = await options.prepare();
      return { env: prepared.env, redact: prepared.redact ?? ((text) => text) };
    } catch (error) {
      throw unavailable(
        `Upstream "${spec.name}" failed to start: ${describeStartError(error)}`,
        error,
      );
    }
  }

  async function start(): Promise<Generation> {
    status = "starting";
    const { env, redact } = await prepareEnv();
    // Why: close() may have run while the env was being resolved; spawn nothing then.
    if ((status as UpstreamStatus) === "stopped") {
      throw unavailable(`Upstream "${spec.name}" is stopped`);
    }
    const child = spawnGroup(spec.command, {
      args: spec.args,
      env: childEnv(env),
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
    });
    const stderr = createStderrLines(logger, spec.name, redact);
    child.process.stderr?.on("data", (chunk: Uint8Array) => stderr.push(chunk));
    child.process.stderr?.on("end", () => stderr.flush());
    const transport = createChildTransport(child, {
      onCloseRequested: () => void stopChild(gen),
    });
    const client = newClient();
    const gen: Generation = {
      child,
      client,
      guarded: guardClient(client, () => gen.death, unavailable, spec.name),
      startedAt: now(),
    };
    generations.set(gen.guarded, gen);
    void child.exited.then((exit) => onExit(gen, exit, transport.ended));
    launching = gen;
    try {
      if (child.pid <= 0) {
        await child.exited;
        throw child.spawnError() ?? new Error("spawn failed");
      }
      await client.connect(transport);
    } catch (error) {
      const reason = redact(gen.death ?? describeStartError(child.spawnError() ?? error));
      gen.death ??= reason;
      void stopChild(gen);
      throw unavailable(`Upstream "${spec.name}" failed to start: ${reason}`, error);
    } finally {
      launching = undefined;
    }
    if (gen.death !== undefined) throw unavailable(`Upstream "${spec.name}" ${gen.death}`);
    current = gen;
    status = "running";
    logger.info("Upstream started", {
      pid: child.pid,
      protocolVersion: client.getNegotiatedProtocolVersion(),
    });
    return gen;
  }

  function onExit(gen: Generation, exit: ChildExit, ended: () => void): void {
    const expected = gen.stopping !== undefined;
    gen.death ??= expected ? "was stopped" : `exited ${describeExit(exit)}`;
    ended();
    // Why: the leader is gone but grandchildren may still hold the group; kill what is left.
    void stopChild(gen);
    if (current === gen) current = undefined;
    if (expected || status === "stopped") return;
    if (current === undefined && status === "running") {
      lastError = `Upstream "${spec.name}" ${gen.death}`;
      logger.warn("Upstream exited", { reason: gen.death });
      if (now() - gen.startedAt >= stableMs) failures = 0;
      scheduleRestart();
    }
  }

  function stopChild(gen: Generation): Promise<ChildExit> {
    gen.stopping ??= stopGroup(gen.child, graceMs);
    return gen.stopping;
  }

  function scheduleRestart(): void {
    const delay = Math.min(maxMs, initialMs * 2 ** failures);
    failures++;
    status = "backoff";
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    backoffWait = { promise, resolve };
    logger.info("Upstream restart scheduled", { delayMs: delay, attempt: failures });
    backoffTimer = setTimeout(() => {
      backoffTimer = undefined;
      backoffWait = undefined;
      restarts++;
      void ensureStarted().catch(() => {});
      resolve();
    }, delay);
  }

  function ensureStarted(): Promise<Generation> {
    if (current !== undefined && current.death === undefined) return Promise.resolve(current);
    starting ??= start().then(
      (gen) => {
        starting = undefined;
        return gen;
      },
      (error: unknown) => {
        starting = undefined;
        lastError = error instanceof Error ? error.message : String(error);
        logger.warn("Upstream start failed", { error: lastError });
        if (status !== "stopped") scheduleRestart();
        throw error;
      },
    );
    return starting;
  }

  async function client(): Promise<Client> {
    for (let attempt = 0;; attempt++) {
      if (status === "stopped") throw unavailable(`Upstream "${spec.name}" is stopped`);
      if (status === "backoff" && backoffWait !== undefined) {
        // Why wait: a restart is on its way; the caller's own timeout bounds the wait.
        if (attempt > 0) throw unavailable(lastError ?? `Upstream "${spec.name}" is restarting`);
        await backoffWait.promise;
        continue;
      }
      const gen = await ensureStarted();
      return gen.guarded;
    }
  }

  async function close(): Promise<void> {
    status = "stopped";
    if (backoffTimer !== undefined) clearTimeout(backoffTimer);
    backoffWait?.resolve();
    backoffWait = undefined;
    if (launching !== undefined) {
      launching.death ??= "was stopped";
      void stopChild(launching);
    }
    await starting?.catch(() => {});
    const gen = current;
    current = undefined;
    if (gen !== undefined) {
      gen.death ??= "was stopped";
      await stopChild(gen);
      await gen.client.close().catch(() => {});
    }
  }

  function lost(client: Client): string | undefined {
    const gen = generations.get(client);
    // Why only a dead child: a live one answered, and its answer (or timeout) is the call's.
    return gen?.death === undefined || status === "stopped" ? undefined : gen.death;
  }

  function state(): UpstreamState {
    const gen = current;
    const protocolVersion = gen?.client.getNegotiatedProtocolVersion();
    return {
      status,
      restarts,
      ...(protocolVersion === undefined ? {} : { protocolVersion }),
      ...(lastError === undefined ? {} : { lastError }),
      ...(gen === undefined ? {} : { pid: gen.child.pid }),
    };
  }

  if (options.startAtBoot === true) void ensureStarted().catch(() => {});
  return { client, lost, state, close };
}

function describeExit(exit: ChildExit): string {
  if (exit.signal !== null) return `on signal ${exit.signal}`;
  return `with code ${exit.code ?? "unknown"}`;
}

function describeStartError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
