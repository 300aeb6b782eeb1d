/**
 * The gateway's own resource subscriptions at one upstream, shared by every client: the first
 * client that subscribes to a URI makes the gateway subscribe upstream, the last one to leave
 * ends it. A 2026-07-28 upstream is asked through a `subscriptions/listen` stream per URI
 * (`resourceSubscriptions: [uri]`), a 2025 upstream with `resources/subscribe`.
 *
 * A subscription lost with its connection (a listen stream the upstream ended, or a new client
 * after a reconnect or a child restart) is made again by `renew()`, which the upstream set calls
 * on its retry timer; a lost listen stream is renewed at once too. The same goes for the list-change
 * stream the SDK opens on a 2026-07-28 upstream (`ClientOptions.listChanged`), which the SDK
 * itself never re-opens once the upstream ended it.
 *
 * Task status notifications of the tasks extension (2026-07-28 `notifications/tasks`) are asked
 * for the same way, one listen stream per task id (`taskIds: [id]`), held while a client listens
 * for that task; a 2025 upstream sends its `notifications/tasks/status` unasked.
 */

import type { Client, McpSubscription } from "@modelcontextprotocol/client";
import type { Logger } from "../log.ts";
import type { UpstreamConnection } from "./connection.ts";

/** Reference-counted subscriptions at one upstream. */
export interface UpstreamSubscriptions {
  /** Counts one more subscriber of `uri`; the first subscribes upstream. Rejects when that fails. */
  acquire(uri: string): Promise<void>;
  /** Counts one subscriber less; the last unsubscribes upstream (failures are only logged). */
  release(uri: string): void;
  /** Like `acquire`, for the status notifications of the upstream's task `taskId`. */
  acquireTask(taskId: string): Promise<void>;
  /** Like `release`, for the status notifications of the upstream's task `taskId`. */
  releaseTask(taskId: string): void;
  /** Subscribes again where a subscription (or the list-change stream) was lost; never rejects. */
  renew(): Promise<void>;
  /** How many URIs are subscribed upstream now. */
  size(): number;
  /** Ends every upstream subscription; never rejects. */
  close(): Promise<void>;
}

/** One subscription made upstream. */
interface Made {
  /** The client it was made on (a new client means it is gone). */
  client: Client;
  /** Ends it upstream. */
  end: () => Promise<void>;
  /** Set when the upstream ended it (a listen stream closed remotely). */
  lost: boolean;
}

/** What is subscribed: a resource's updates or a task's status. */
type Target = { uri: string } | { taskId: string };

interface Held {
  target: Target;
  count: number;
  ready: Promise<Made>;
}

/** Creates the subscriptions of `connection`; nothing is sent until the first `acquire`. */
export function createUpstreamSubscriptions(
  connection: UpstreamConnection,
  options: { timeoutMs: number; logger: Logger },
): UpstreamSubscriptions {
  const held = new Map<string, Held>();
  let closed = false;
  const listChanges = new WeakMap<Client, { lost: boolean; filter: object }>();

  function watchListChanges(client: Client, subscription: McpSubscription | undefined): void {
    if (subscription === undefined) return;
    const state = { lost: false, filter: subscription.honoredFilter };
    listChanges.set(client, state);
    void subscription.closed.then((how) => {
      if (how === "local") return;
      state.lost = true;
      void renewListChanges(client);
    });
  }

  async function renewListChanges(client: Client): Promise<void> {
    if (!listChanges.has(client) && isModern(client)) {
      watchListChanges(client, client.autoOpenedSubscription);
    }
    const state = listChanges.get(client);
    if (closed || state === undefined || !state.lost) return;
    try {
      const subscription = await client.listen(state.filter, { timeout: options.timeoutMs });
      options.logger.info("Upstream list-change stream renewed");
      watchListChanges(client, subscription);
    } catch (error) {
      options.logger.debug("Cannot renew the upstream list-change stream", { error });
    }
  }

  async function subscribe(target: Target): Promise<Made> {
    const client = await connection.client();
    const request = { timeout: options.timeoutMs };
    if ("taskId" in target && !isModern(client)) {
      return { client, end: () => Promise.resolve(), lost: false };
    }
    if (isModern(client)) {
      const subscription = "uri" in target
        ? await client.listen({ resourceSubscriptions: [target.uri] }, request)
        : await listenDeclaringTasks(client, target.taskId, request);
      const made: Made = { client, end: () => subscription.close(), lost: false };
      void subscription.closed.then((how) => {
        // Why graceful too: an upstream that shuts down ends its streams gracefully. Why not for a
        // task: an upstream that honours no task filter ends the stream gracefully at once.
        if (how === "local" || (how === "graceful" && "taskId" in target)) return;
        made.lost = true;
        void renew();
      });
      return made;
    }
    const uri = (target as { uri: string }).uri;
    if (client.getServerCapabilities()?.resources?.subscribe !== true) {
      // Why not an error: the URI is still readable; the upstream just never announces updates.
      options.logger.debug("Upstream offers no resource subscriptions", { uri });
      return { client, end: () => Promise.resolve(), lost: false };
    }
    await client.subscribeResource({ uri }, request);
    return {
      client,
      end: async () => {
        await client.unsubscribeResource({ uri }, request);
      },
      lost: false,
    };
  }

  async function renew(): Promise<void> {
    if (closed) return;
    let client: Client;
    try {
      client = await connection.client();
    } catch {
      return;
    }
    await renewListChanges(client);
    for (const [key, entry] of held) {
      const made = await entry.ready.catch(() => undefined);
      if (made !== undefined && made.client === client && !made.lost) continue;
      if (closed || held.get(key) !== entry) continue;
      // Why not end the old one: the upstream ended it, or it died with its client.
      entry.ready = subscribe(entry.target);
      entry.ready.then(
        () => options.logger.info("Upstream subscription renewed", entry.target),
        (error) =>
          options.logger.debug("Cannot renew upstream subscription", { ...entry.target, error }),
      );
    }
  }

  async function acquire(target: Target): Promise<void> {
    const key = JSON.stringify(target);
    const current = held.get(key);
    if (current !== undefined) {
      current.count++;
      await current.ready;
      return;
    }
    const entry: Held = { target, count: 1, ready: subscribe(target) };
    held.set(key, entry);
    try {
      await entry.ready;
    } catch (error) {
      if (held.get(key) === entry) held.delete(key);
      throw error;
    }
  }

  function release(target: Target): void {
    const key = JSON.stringify(target);
    const entry = held.get(key);
    if (entry === undefined) return;
    if (--entry.count > 0) return;
    held.delete(key);
    void entry.ready.then((made) => made.end()).catch((error) =>
      options.logger.debug("Cannot end upstream subscription", { ...target, error })
    );
  }

  return {
    acquire: (uri) => acquire({ uri }),
    release: (uri) => release({ uri }),
    acquireTask: (taskId) => acquire({ taskId }),
    releaseTask: (taskId) => release({ taskId }),
    renew,
    size: () => held.size,
    async close() {
      closed = true;
      const all = [...held.values()];
      held.clear();
      await Promise.all(all.map((entry) => entry.ready.then((made) => made.end()).catch(() => {})));
    },
  };
}

const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
const CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities";

/**
 * A listen stream for upstream task `taskId`, its request declaring the tasks extension (the
 * spec refuses a task listen without it: -32021).
 *
 * Why through the transport: the SDK builds a listen's `_meta` from the client's own
 * capabilities, which must not declare the extension (an upstream would then make tasks for
 * clients that did not ask for one), and `listen()` sends its request before its first await,
 * so the one send is rewritten and the transport restored at once. Should a later SDK send it
 * later, the request goes undeclared and the upstream refuses it: the task is not honoured.
 */
function listenDeclaringTasks(
  client: Client,
  taskId: string,
  request: { timeout: number },
): Promise<McpSubscription> {
  const transport = client.transport;
  if (transport === undefined) return client.listen({}, request);
  const send = transport.send;
  transport.send = (message, sendOptions) => send.call(transport, declared(message), sendOptions);
  try {
    // Why the cast: the SDK's filter type predates the extension's `taskIds`.
    return client.listen({ taskIds: [taskId] } as never, request);
  } finally {
    transport.send = send;
  }
}

function declared<T>(message: T): T {
  const params = (message as { params?: { _meta?: Record<string, unknown> } }).params;
  const meta = params?._meta ?? {};
  const capabilities = (meta[CAPABILITIES_KEY] ?? {}) as { extensions?: object };
  const extensions = { ...capabilities.extensions, [TASKS_EXTENSION]: {} };
  return {
    ...message,
    params: {
      ...params,
      _meta: { ...meta, [CAPABILITIES_KEY]: { ...capabilities, extensions } },
    },
  };
}

function isModern(client: Client): boolean {
  const version = client.getNegotiatedProtocolVersion();
  return version !== undefined && version >= "2026-07-28";
}
