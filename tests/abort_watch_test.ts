import assert from "node:assert/strict";
import { watchAbort, WatchedAbort } from "../lib/abort_watch.ts";

Deno.test("watchAbort() tells a WatchedAbort's first watcher directly, after the signal's listeners, once", () => {
  const source = new WatchedAbort();
  const told: string[] = [];
  source.signal.addEventListener("abort", () => told.push("listener"));
  watchAbort(source.signal, { handleEvent: () => told.push("first") });
  watchAbort(source.signal, { handleEvent: () => told.push("second") });
  source.abort(new DOMException("gone", "AbortError"));
  source.abort(new Error("again"));
  assert.deepEqual(told, ["listener", "second", "first"]);
  assert.equal((source.signal.reason as DOMException).message, "gone");
});

Deno.test("watchAbort() listens to any other signal, once", () => {
  const controller = new AbortController();
  let told = 0;
  watchAbort(controller.signal, { handleEvent: () => told++ });
  controller.abort();
  controller.abort();
  assert.equal(told, 1);
});
