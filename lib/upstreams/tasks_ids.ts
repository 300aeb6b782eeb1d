/**
 * The task id the gateway gives a client for an upstream's task: the upstream's name, the
 * upstream's own task id and the principal it was created for, so `tasks/get`, `tasks/update`
 * and `tasks/cancel` route back to the upstream from any gateway instance (nothing is stored).
 *
 * Why not sealed (yet): like `relay_state.ts`, the id holds nothing the client may not see. A task
 * id presented by another principal finds nothing; since the id is readable, a principal holding
 * another's id could rewrite the principal in it, so confidentiality rests on the upstream's task
 * id being unguessable (the extension requires it) and on the client keeping it. Sealing it with
 * the keyring would close that; see the upstreams README.
 */

const PREFIX = "nexus.task.1.";
const MAX_CHARS = 4096;

/** Where a relayed task lives and whom it belongs to. */
export interface TaskRoute {
  /** The upstream's name (`upstreams[].name`). */
  upstream: string;
  /** The principal id the task was created for. */
  principal: string;
  /** The upstream's own task id. */
  taskId: string;
}

/** Encodes `route` as the task id the client sees; raises nothing. */
export function writeTaskId(route: TaskRoute): string {
  const bytes = new TextEncoder().encode(
    JSON.stringify([route.upstream, route.principal, route.taskId]),
  );
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return PREFIX + btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * Decodes a client's task id for `principal`; `undefined` when the gateway did not issue it or
 * issued it to another principal (both must answer alike). Raises nothing.
 */
export function readTaskId(raw: string, principal: string): TaskRoute | undefined {
  if (!raw.startsWith(PREFIX) || raw.length > MAX_CHARS) return undefined;
  try {
    const base64 = raw.slice(PREFIX.length).replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [upstream, owner, taskId] = value;
    if (typeof upstream !== "string" || typeof taskId !== "string") return undefined;
    if (owner !== principal) return undefined;
    return { upstream, principal, taskId };
  } catch {
    // Why: anything undecodable is simply not ours; the caller reports "not found".
    return undefined;
  }
}
