/**
 * The task id the gateway gives a client for an upstream's task: the upstream's name, the
 * upstream's own task id and the principal it was created for, so `tasks/get`, `tasks/update`
 * and `tasks/cancel` route back to the upstream from any gateway instance (nothing is stored).
 *
 * With a `mac` (the gateway passes its keyed HMAC, derived from the master key, so every
 * instance sharing the key accepts the id) the id carries a tag over its content: a principal
 * cannot rewrite the owner of an id it obtained, and a forged id finds nothing. Without one (no
 * master key configured) the id is plain, like a relayed `requestState`: the owner check still
 * holds for ids as issued, and the rest rests on the upstream's task id being unguessable, which
 * the extension requires.
 */

const PREFIX = "nexus.task.1.";
const MAX_CHARS = 4096;
/** Hex characters of the tag kept in the id (128 bits). */
const TAG_CHARS = 32;
/** Domain separation: the keyed hash is shared with other uses, never over the same input. */
const TAG_CONTEXT = "nexus task id v1\n";

/** Where a relayed task lives and whom it belongs to. */
export interface TaskRoute {
  /** The upstream's name (`upstreams[].name`). */
  upstream: string;
  /** The principal id the task was created for. */
  principal: string;
  /** The upstream's own task id. */
  taskId: string;
}

/** A keyed hash (hex) the ids are tagged with; absent: ids are not tagged. */
export type TaskIdMac = (text: string) => string;

/** Encodes `route` as the task id the client sees; raises nothing. */
export function writeTaskId(route: TaskRoute, mac?: TaskIdMac): string {
  const bytes = new TextEncoder().encode(
    JSON.stringify([route.upstream, route.principal, route.taskId]),
  );
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const body = btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return mac === undefined ? PREFIX + body : `${PREFIX}${body}.${tagOf(body, mac)}`;
}

/**
 * Decodes a client's task id for `principal`; `undefined` when the gateway did not issue it, its
 * tag does not match, or it was issued to another principal (all must answer alike). Raises
 * nothing.
 */
export function readTaskId(raw: string, principal: string, mac?: TaskIdMac): TaskRoute | undefined {
  if (!raw.startsWith(PREFIX) || raw.length > MAX_CHARS) return undefined;
  const [body, tag, extra] = raw.slice(PREFIX.length).split(".");
  if (body === undefined || extra !== undefined) return undefined;
  if (mac !== undefined && (tag === undefined || !sameText(tag, tagOf(body, mac)))) {
    return undefined;
  }
  if (mac === undefined && tag !== undefined) return undefined;
  try {
    const base64 = body.replace(/-/g, "+").replace(/_/g, "/");
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

function tagOf(body: string, mac: TaskIdMac): string {
  return mac(TAG_CONTEXT + body).slice(0, TAG_CHARS);
}

/** Compares in time independent of where the texts differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let index = 0; index < a.length; index++) {
    difference |= a.charCodeAt(index) ^ b.charCodeAt(index);
  }
  return difference === 0;
}
