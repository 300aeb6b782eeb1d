/**
 * A local recording server for the importer's tests (Deno.serve on 127.0.0.1, port 0): it keeps
 * every request it receives (method, raw path, query, headers, body text) and answers
 * `{"ok": true}`, so a test asserts exactly what a generated tool sent.
 */

/** One request as the server received it. */
export interface Recorded {
  method: string;
  /** The path as sent (percent-encoding kept). */
  path: string;
  query: Record<string, string[]>;
  headers: Record<string, string>;
  body: string;
}

/** A running recorder; `await using` closes it. */
export interface Recorder extends AsyncDisposable {
  /** `http://127.0.0.1:port` (no trailing slash). */
  url: string;
  requests: Recorded[];
  /** The last request, failing the test when there is none. */
  last(): Recorded;
}

/** Starts a recorder on a free loopback port. */
export function startRecorder(): Recorder {
  const requests: Recorded[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const query: Record<string, string[]> = {};
    for (const [name, value] of url.searchParams) (query[name] ??= []).push(value);
    requests.push({
      method: request.method,
      path: url.pathname,
      query,
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
    });
    return Response.json({ ok: true });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    last() {
      const request = requests.at(-1);
      if (request === undefined) throw new Error("The recorder received no request");
      return request;
    },
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
}

/**
 * Absolute path of a description under the shared specs (read in place, never copied):
 * `NEXUS_SHARED_SPECS`, else `../shared/specs/` beside the repository.
 * @throws Error naming both places when the specs are not there, so the test fails clearly.
 */
export function sharedSpec(relative: string): string {
  const root = Deno.env.get("NEXUS_SHARED_SPECS") ??
    new URL("../../../shared/specs", import.meta.url).pathname;
  const path = `${root}/${relative}`;
  try {
    Deno.statSync(path);
  } catch {
    throw new Error(
      `Shared spec ${relative} not found under ${root}: the repository must sit beside ` +
        "shared/specs (../shared/specs), or set NEXUS_SHARED_SPECS",
    );
  }
  return path;
}

/** Absolute path of one of this folder's fixtures. */
export function fixture(name: string): string {
  return new URL(`./fixtures/${name}`, import.meta.url).pathname;
}
