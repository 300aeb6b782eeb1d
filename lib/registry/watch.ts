/**
 * Hot reload: watches the tools directory, reloads after a quiet period, and swaps in a new
 * immutable snapshot only when the tools actually changed. A broken file keeps its last good tools.
 */

import { type Logger, silentLogger } from "../log.ts";
import {
  credentialsKey,
  isToolFileName,
  loadState,
  logDisabled,
  logProblems,
  type RegistryOptions,
} from "./load.ts";
import type { RegistryState } from "./load.ts";
import { buildSnapshot, fingerprintOf } from "./snapshot.ts";
import type { LoadProblem, RegistrySnapshot } from "./types.ts";

/** Options of `createRegistryWatcher`. */
export interface WatchOptions extends Omit<RegistryOptions, "strict"> {
  /** Quiet period after the last file event before reloading; default 100 ms. */
  debounceMs?: number;
  /** Called after each swap with the new snapshot; errors are logged, never thrown. */
  onSwap?: (snapshot: RegistrySnapshot) => void | Promise<void>;
  /**
   * With `credentials`: how often the vault is re-read, a pass running when what it holds
   * changed (a credential stored or deleted enables or disables tools); default 2000 ms.
   */
  credentialsRecheckMs?: number;
}

/** A live registry: the current snapshot, its problems, explicit reload, and shutdown. */
export interface RegistryWatcher {
  /** The snapshot now serving; a reload swaps in a new one, so read it per request. */
  current(): RegistrySnapshot;
  /** A copy of the problems found by the last load pass, sorted by file and line. */
  problems(): LoadProblem[];
  /** A copy of the notes on tools the last pass left out (not configured), by file and line. */
  disabled(): LoadProblem[];
  /**
   * Runs one load pass now, queued behind any pass in progress; resolves once it is done.
   * @throws GatewayError INVALID_CONFIG when the directory is gone or unreadable.
   */
  reload(): Promise<void>;
  /** Stops watching and waits for the pass in progress, if any; never rejects. */
  close(): Promise<void>;
}

/**
 * Loads `dir` and keeps the snapshot current as files change; `reload()` forces a pass.
 * @throws GatewayError INVALID_CONFIG when `dir` is missing (at start, or from `reload()` later).
 */
export async function createRegistryWatcher(
  dir: string,
  options: WatchOptions = {},
): Promise<RegistryWatcher> {
  const logger = options.logger ?? silentLogger;
  const handlerId = createHandlerIds();
  const state = await loadState(dir, undefined, options);
  logProblems(state.problems, [], logger);
  logDisabled(state.disabled, [], logger);
  const live: Live = {
    state,
    fingerprint: fingerprintOf(state.tools, handlerId) + JSON.stringify(state.upstreams),
    snapshot: buildSnapshot(state.tools, 1, state.upstreams),
  };
  let queue: Promise<void> = Promise.resolve();
  let closed = false;

  async function reloadOnce(): Promise<void> {
    if (closed) return;
    if (!await advance(dir, live, { ...options, logger, handlerId })) return;
    try {
      await options.onSwap?.(live.snapshot);
    } catch (error) {
      logger.error("Tool registry onSwap failed", { error });
    }
  }

  function reload(): Promise<void> {
    const run = queue.then(reloadOnce);
    // Why: one failed pass must not poison the queue for the passes after it.
    queue = run.catch(() => {});
    return run;
  }

  const events = watchDirectory(dir, { logger, debounceMs: options.debounceMs ?? 100, reload });
  const recheck = watchCredentials(options, {
    logger,
    known: () => live.state.credentialsKey ?? "",
    reload,
  });
  return {
    current: () => live.snapshot,
    problems: () => [...live.state.problems],
    disabled: () => [...live.state.disabled],
    reload,
    async close() {
      closed = true;
      await recheck.close();
      await events.close();
      await queue;
    },
  };
}

/** The watcher's mutable cell: replaced field by field, never the snapshot object itself. */
interface Live {
  state: RegistryState;
  fingerprint: string;
  snapshot: RegistrySnapshot;
}

/** Runs one load pass; returns true when a new snapshot was swapped in. */
async function advance(
  dir: string,
  live: Live,
  options: WatchOptions & { logger: Logger; handlerId: (handler: object) => number },
): Promise<boolean> {
  const { logger } = options;
  const next = await loadState(dir, live.state, options);
  logProblems(next.problems, live.state.problems, logger);
  logDisabled(next.disabled, live.state.disabled, logger);
  logKeptFiles(live.state, next, logger);
  live.state = next;
  // Why the upstreams too: a changed `upstreams:` entry must swap even when no tool changed.
  const fingerprint = fingerprintOf(next.tools, options.handlerId) +
    JSON.stringify(next.upstreams);
  if (fingerprint === live.fingerprint) return false;
  live.fingerprint = fingerprint;
  live.snapshot = buildSnapshot(next.tools, live.snapshot.version + 1, next.upstreams);
  logger.info("Tool registry reloaded", {
    version: live.snapshot.version,
    tools: next.tools.length,
  });
  return true;
}

/** Runs `reload` once file events in `dir` have been quiet for `debounceMs`. */
function watchDirectory(
  dir: string,
  options: { logger: Logger; debounceMs: number; reload: () => Promise<void> },
): { close(): Promise<void> } {
  const { logger, debounceMs, reload } = options;
  const fsWatcher = Deno.watchFs(dir, { recursive: false });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  function schedule(): void {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      reload().catch((error) => logger.error("Tool registry reload failed", { dir, error }));
    }, debounceMs);
  }
  async function pump(): Promise<void> {
    try {
      for await (const event of fsWatcher) {
        if (event.paths.some((path) => isToolFileName(path.split("/").at(-1) ?? ""))) schedule();
      }
    } catch (error) {
      if (!closed) logger.error("Tool directory watch stopped", { dir, error });
    }
  }
  const pumping = pump();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      fsWatcher.close();
      await pumping;
    },
  };
}

/** Re-reads the vault every `credentialsRecheckMs` and reloads when what it holds changed. */
function watchCredentials(
  options: WatchOptions,
  state: { logger: Logger; known: () => string; reload: () => Promise<void> },
): { close(): Promise<void> } {
  const read = options.credentials;
  if (read === undefined) return { close: () => Promise.resolve() };
  let running: Promise<void> = Promise.resolve();
  const check = async () => {
    try {
      if (credentialsKey(await read()) !== state.known()) await state.reload();
    } catch (error) {
      state.logger.warn("Cannot re-check tool credentials", { error });
    }
  };
  const timer = setInterval(() => {
    running = running.then(check);
  }, options.credentialsRecheckMs ?? 2000);
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}

function logKeptFiles(before: RegistryState, after: RegistryState, logger: Logger): void {
  for (const [file, state] of after.files) {
    if (state.result.problems.length === 0 || !state.good) continue;
    if (before.files.get(file)?.result === state.result) continue;
    const tools = state.good.map((tool) => tool.name);
    logger.warn(`Keeping the last good tools of ${file} until it loads again`, { file, tools });
  }
}

/** Numbers handler functions by identity, so a re-imported TypeScript tool counts as changed. */
function createHandlerIds(): (handler: object) => number {
  const ids = new WeakMap<object, number>();
  let next = 0;
  return function handlerId(handler) {
    let id = ids.get(handler);
    if (id === undefined) {
      id = ++next;
      ids.set(handler, id);
    }
    return id;
  };
}
