/**
 * `nexus check` validates every tool file and `nexus health` probes a health URL.
 */

import type { Config } from "../config/mod.ts";
import { formatProblem, loadRegistry } from "../registry/mod.ts";
import { messageOf, writeErr, writeOut } from "./io.ts";
import { registryEnv } from "../gateway/mod.ts";

/**
 * Prints each problem as `file:line: message`; exit 1 when there is any. Tools disabled because
 * their database is not configured are notes on stderr, not problems.
 */
export async function checkTools(config: Config): Promise<number> {
  try {
    const { snapshot, problems, disabled } = await loadRegistry(
      config.toolsDir,
      registryEnv(config, config.port),
    );
    for (const note of disabled) writeErr(`note: ${formatProblem(note)}`);
    for (const problem of problems) writeOut(formatProblem(problem));
    writeOut(`${snapshot.tools.length} tool(s) valid, ${problems.length} problem(s)`);
    return problems.length === 0 ? 0 : 1;
  } catch (error) {
    writeErr(messageOf(error));
    return 1;
  }
}

/** GETs `url`; exit 0 when it answers 200 within 3 s (container healthchecks). */
export async function probeHealth(url = "http://127.0.0.1:8080/healthz"): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await response.body?.cancel();
    return response.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}
