/**
 * A stand-in OAuth 2.0 authorization server and protected API for credential tests, speaking the
 * real token endpoint shapes (RFC 6749 §4.4, §5.1, §5.2, §6) on 127.0.0.1, port 0:
 *
 * - `POST /token` (form body): `grant_type=client_credentials` or `refresh_token`; the client
 *   authenticates with HTTP Basic (`client_secret_basic`) or `client_id`/`client_secret` in the
 *   body. Answers `{ access_token, token_type: "Bearer", expires_in, refresh_token?, scope? }`,
 *   or 400/401 `{ error, error_description }`. Refresh tokens rotate: each is single-use, a reused
 *   one answers `invalid_grant` (as providers with rotation do).
 * - `GET /api/...`: 200 with `{ ok, client, scope }` for a live access token, else 401 with
 *   `WWW-Authenticate: Bearer error="invalid_token"`.
 *
 * `now()` is the server's clock (tests move it to expire tokens without sleeping).
 */

/** Options for {@linkcode startOAuthServer}. */
export interface OAuthServerOptions {
  clientId: string;
  clientSecret: string;
  /** Access token lifetime in seconds (default 60). */
  expiresIn?: number;
  /** Whether refresh responses carry a new refresh token (default true). */
  rotateRefreshTokens?: boolean;
  /** Held before answering a refresh, to widen a race window (default 0). */
  refreshDelayMs?: number;
  now?: () => number;
}

/** A running stand-in. */
export interface OAuthServer {
  url: string;
  tokenUrl: string;
  /** Issues a refresh token as if the user had consented (the operator stores it). */
  issueRefreshToken(): string;
  /** The refresh token issued most recently (by consent or rotation). */
  newestRefreshToken(): string | undefined;
  /** Token requests received, by grant type. */
  grants(type?: string): number;
  /** Form bodies and Authorization headers of every token request, for shape assertions. */
  requests(): Array<{ form: Record<string, string>; authorization: string | null }>;
  /** Revokes every access token issued so far (the API answers 401 to them). */
  revokeAccessTokens(): void;
  close(): Promise<void>;
}

/** Starts the stand-in; `await server.close()` in a `finally`. */
export function startOAuthServer(options: OAuthServerOptions): OAuthServer {
  const now = options.now ?? Date.now;
  const live = new Map<string, { expiresAt: number; scope: string }>();
  const refreshTokens = new Set<string>();
  const counts = new Map<string, number>();
  const seen: Array<{ form: Record<string, string>; authorization: string | null }> = [];
  let newest: string | undefined;
  function issueRefreshToken(): string {
    newest = `rt-${crypto.randomUUID()}`;
    refreshTokens.add(newest);
    return newest;
  }
  async function token(request: Request): Promise<Response> {
    const form = Object.fromEntries(new URLSearchParams(await request.text()));
    const authorization = request.headers.get("authorization");
    seen.push({ form, authorization });
    counts.set(form.grant_type ?? "", (counts.get(form.grant_type ?? "") ?? 0) + 1);
    if (!clientAuthenticated(form, authorization, options)) {
      return oauthError(401, "invalid_client", "Client authentication failed");
    }
    const scope = form.scope ?? "";
    if (form.grant_type === "client_credentials") return issue(scope, false);
    if (form.grant_type !== "refresh_token") {
      return oauthError(400, "unsupported_grant_type", `Grant ${form.grant_type} not supported`);
    }
    if (options.refreshDelayMs) await new Promise((r) => setTimeout(r, options.refreshDelayMs));
    const presented = form.refresh_token ?? "";
    if (!refreshTokens.has(presented)) {
      return oauthError(400, "invalid_grant", "The refresh token is invalid or was already used");
    }
    if (options.rotateRefreshTokens !== false) refreshTokens.delete(presented);
    return issue(scope, options.rotateRefreshTokens !== false);
  }
  function issue(scope: string, withRefresh: boolean): Response {
    const accessToken = `at-${crypto.randomUUID()}`;
    const expiresIn = options.expiresIn ?? 60;
    live.set(accessToken, { expiresAt: now() + expiresIn * 1000, scope });
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: expiresIn,
    };
    if (scope !== "") body.scope = scope;
    if (withRefresh) body.refresh_token = issueRefreshToken();
    return Response.json(body, { headers: { "cache-control": "no-store", pragma: "no-cache" } });
  }
  function api(request: Request): Response {
    const header = request.headers.get("authorization") ?? "";
    const match = /^Bearer (.+)$/.exec(header);
    const entry = match ? live.get(match[1]!) : undefined;
    if (entry === undefined || now() >= entry.expiresAt) {
      return new Response(JSON.stringify({ error: "invalid_token" }), {
        status: 401,
        headers: {
          "content-type": "application/json",
          "www-authenticate": 'Bearer error="invalid_token"',
        },
      });
    }
    return Response.json({ ok: true, client: options.clientId, scope: entry.scope });
  }
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/token" && request.method === "POST") return token(request);
    if (path.startsWith("/api/")) return api(request);
    return new Response("not found", { status: 404 });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  return {
    url,
    tokenUrl: `${url}/token`,
    issueRefreshToken,
    newestRefreshToken: () => newest,
    grants: (type) =>
      type === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : counts.get(type) ?? 0,
    requests: () => [...seen],
    revokeAccessTokens: () => live.clear(),
    close: () => server.shutdown(),
  };
}

function clientAuthenticated(
  form: Record<string, string>,
  authorization: string | null,
  options: OAuthServerOptions,
): boolean {
  if (authorization?.startsWith("Basic ")) {
    const decoded = atob(authorization.slice(6));
    const [id, secret] = decoded.split(":").map((part) =>
      decodeURIComponent(part.replace(/\+/g, " "))
    );
    return id === options.clientId && secret === options.clientSecret;
  }
  return form.client_id === options.clientId && form.client_secret === options.clientSecret;
}

function oauthError(status: number, error: string, description: string): Response {
  return Response.json({ error, error_description: description }, {
    status,
    headers: status === 401 ? { "www-authenticate": 'Basic realm="token"' } : {},
  });
}
