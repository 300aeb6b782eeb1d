/**
 * `nexus check` validates every tool file and every upstream entry (without connecting to any
 * upstream or starting any process), and `nexus health` probes a health URL.
 */

import type { Config } from "../config/mod.ts";
import { formatProblem, loadRegistry, summarizeDisabled } from "../registry/mod.ts";
import { messageOf, writeErr, writeOut } from "./io.ts";
import { configEntries, readCredentialView, registryEnv } from "../gateway/mod.ts";
import { checkUpstreams } from "../upstreams/mod.ts";

/**
 * Prints each problem as `file:line: message`; exit 1 when there is any. Tools disabled because
 * their database or credential is not configured are notes on stderr (one per file and reason),
 * not problems.
 */
export async function checkTools(
  config: Config,
  options: { configPath?: string } = {},
): Promise<number> {
  try {
    const vault = await readCredentialView(config);
    const { snapshot, problems, disabled } = await loadRegistry(config.toolsDir, {
      ...registryEnv(config, config.port),
      ...("view" in vault ? { credentials: () => Promise.resolve(vault.view) } : {}),
    });
    if ("unavailable" in vault) {
      writeErr(`note: credentials not checked: cannot open the vault: ${vault.unavailable}`);
    }
    for (const note of summarizeDisabled(disabled)) writeErr(`note: ${formatProblem(note)}`);
    for (const problem of problems) writeOut(formatProblem(problem));
    const upstreams = checkUpstreams(
      [...configEntries(config, options.configPath), ...snapshot.upstreams],
      snapshot.tools,
    );
    for (const problem of upstreams.problems) writeOut(problem);
    const count = problems.length + upstreams.problems.length;
    const valid = upstreams.entries.length === 0 && upstreams.problems.length === 0
      ? `${snapshot.tools.length} tool(s)`
      : `${snapshot.tools.length} tool(s) and ${upstreams.entries.length} upstream(s)`;
    writeOut(`${valid} valid, ${count} problem(s)`);
    return count === 0 ? 0 : 1;
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
