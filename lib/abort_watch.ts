/**
 * Watching a signal's abort without an event listener, where the code that aborts it tells its
 * watcher itself (a 2025 SSE answer's signal, watched by the call's deadline). Why: on Deno 2.9
 * the first "abort" listener on a signal makes its event-target data, listener map, record and
 * normalized options (about 0.4 KB), kept as long as the signal, a call in flight's whole life.
 */

/** What is told of an abort: the shape of an `EventListenerObject`, so either way works. */
export interface AbortWatcher {
  /** Runs once, when the signal aborts. */
  handleEvent(): void;
}

/** Signals of a {@linkcode WatchedAbort}, to it. */
const sources = new WeakMap<AbortSignal, WatchedAbort>();

/**
 * An `AbortController` whose signal's first watcher ({@linkcode watchAbort}) is told by `abort`
 * directly, after the signal's own listeners; more watchers listen as usual.
 */
export class WatchedAbort {
  readonly #controller = new AbortController();
  #watcher: AbortWatcher | undefined;
  #taken = false;

  constructor() {
    sources.set(this.#controller.signal, this);
  }

  /** The signal; aborted by `abort`. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Aborts the signal with `reason`, then tells its watcher. */
  abort(reason: unknown): void {
    if (this.#controller.signal.aborted) return;
    this.#controller.abort(reason);
    const watcher = this.#watcher;
    this.#watcher = undefined;
    watcher?.handleEvent();
  }

  /** Takes `watcher` when it is the first; false otherwise (it listens instead). */
  take(watcher: AbortWatcher): boolean {
    if (this.#taken) return false;
    this.#taken = true;
    this.#watcher = watcher;
    return true;
  }
}

/**
 * Tells `watcher` once when `signal` aborts: directly for the first watcher of a
 * {@linkcode WatchedAbort}'s signal, else as an "abort" listener. The caller checks `aborted`
 * first. Raises nothing.
 */
export function watchAbort(signal: AbortSignal, watcher: AbortWatcher): void {
  if (sources.get(signal)?.take(watcher) === true) return;
  signal.addEventListener("abort", watcher, { once: true });
}
