/**
 * Which client a relayed task belongs to, on this instance, so an upstream's task status
 * notification (2025-11-25 `notifications/tasks/status`, naming the upstream's task id) reaches
 * the principal that created the task, under the gateway's task id. Task ids themselves stay
 * stateless (`lib/upstreams/tasks_ids.ts`); this table only routes notifications.
 *
 * Why in memory and bounded: the upstream's notification arrives on this instance's connection,
 * so only the instance that relayed the task's creation can route it; a task created through
 * another instance, or forgotten (over `max` entries, oldest first), is not notified: its client
 * still polls. An entry is dropped once its task reached a terminal status.
 */

/** The client side of one relayed task. */
export interface TaskOwner {
  /** The principal that created the task. */
  principalId: string;
  /** The gateway's task id the client knows. */
  taskId: string;
  /** The era of the client that created it. */
  era: "legacy" | "modern";
}

/** The owners of the tasks relayed through this instance. */
export interface TaskOwners {
  /** Remembers `owner` for upstream `upstream`'s task `upstreamTaskId`. */
  remember(upstream: string, upstreamTaskId: string, owner: TaskOwner): void;
  /** The owner of an upstream's task; undefined when not relayed here (or forgotten). */
  lookup(upstream: string, upstreamTaskId: string): TaskOwner | undefined;
  /** Forgets an upstream's task. */
  forget(upstream: string, upstreamTaskId: string): void;
}

const MAX_OWNERS = 10_000;

/** Creates an empty table; raises nothing. */
export function createTaskOwners(max = MAX_OWNERS): TaskOwners {
  const owners = new Map<string, TaskOwner>();
  const keyOf = (upstream: string, id: string) => JSON.stringify([upstream, id]);
  return {
    remember(upstream, upstreamTaskId, owner) {
      owners.set(keyOf(upstream, upstreamTaskId), owner);
      if (owners.size > max) owners.delete(owners.keys().next().value!);
    },
    lookup: (upstream, upstreamTaskId) => owners.get(keyOf(upstream, upstreamTaskId)),
    forget: (upstream, upstreamTaskId) => void owners.delete(keyOf(upstream, upstreamTaskId)),
  };
}

/** The 2025-11-25 `_meta` key naming the task a message belongs to (`{ taskId }`). */
const RELATED_TASK_KEY = "io.modelcontextprotocol/related-task";
const TERMINAL = ["completed", "failed", "cancelled"];

/**
 * The notification params an upstream's task status becomes for its owner: the gateway task id in
 * `taskId` and in the related-task `_meta`; undefined when no client here owns the task (the
 * entry is dropped when the status is terminal). Raises nothing.
 */
export function ownedTaskStatus(
  owners: TaskOwners,
  upstream: string,
  params: Record<string, unknown>,
): { owner: TaskOwner; params: Record<string, unknown> } | undefined {
  const upstreamTaskId = params.taskId;
  if (typeof upstreamTaskId !== "string") return undefined;
  const owner = owners.lookup(upstream, upstreamTaskId);
  if (owner === undefined) return undefined;
  if (TERMINAL.includes(String(params.status))) owners.forget(upstream, upstreamTaskId);
  const meta = params._meta as Record<string, unknown> | undefined;
  const relayed: Record<string, unknown> = { ...params, taskId: owner.taskId };
  if (meta !== undefined && typeof meta === "object" && RELATED_TASK_KEY in meta) {
    relayed._meta = { ...meta, [RELATED_TASK_KEY]: { taskId: owner.taskId } };
  }
  return { owner, params: relayed };
}
