/**
 * A real local OIDC provider stand-in for auth tests: an HTTP server with a discovery document and
 * a JWKS endpoint, RSA keys it can rotate, and real JWTs signed with them (jose over WebCrypto),
 * plus the forged tokens the gateway must refuse (`alg: none`, HMAC keyed with the public key).
 */

import { exportJWK, exportSPKI, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

/** One signing key the provider holds. */
interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

/** A running OIDC stand-in; `await using` stops it. */
export interface OidcProvider extends AsyncDisposable {
  /** The issuer URL (`http://127.0.0.1:port`). */
  issuer: string;
  jwksUrl: string;
  /** How many times the JWKS endpoint was fetched. */
  jwksFetches(): number;
  /** A token signed with the current key; claims default to a valid token for `audience`. */
  sign(
    claims: JWTPayload,
    options?: {
      kid?: string;
      expiresInSec?: number;
      audience?: string;
      issuer?: string;
      /** The `typ` header: default `at+jwt` (RFC 9068); `null` leaves it out. */
      typ?: string | null;
    },
  ): Promise<string>;
  /** Adds a new current key; the old one stays published unless `dropOld`. */
  rotate(options?: { dropOld?: boolean; publish?: boolean }): Promise<string>;
  /** An unsigned token (`alg: none`). */
  unsigned(claims: JWTPayload): string;
  /** A HS256 token whose HMAC secret is the current RSA public key in PEM (key confusion). */
  hmacWithPublicKey(claims: JWTPayload): Promise<string>;
  /** The current key id. */
  currentKid(): string;
  /**
   * The claims the next browser sign-in (`/authorize`, authorization code with PKCE S256, approved
   * at once) issues its access token with; until set, `/authorize` answers 403 (nobody signed in).
   */
  loginAs(claims: JWTPayload | undefined): void;
  /** How many codes `/token` exchanged. */
  tokenExchanges(): number;
}

/** Starts the provider on a free port; tokens default to audience `audience`. */
export async function startOidcProvider(audience: string): Promise<OidcProvider> {
  const keys: SigningKey[] = [];
  const published = new Set<string>();
  let fetches = 0;
  let login: JWTPayload | undefined;
  let exchanges = 0;
  const codes = new Map<string, { challenge: string; redirectUri: string; claims: JWTPayload }>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request): Promise<Response> => {
      const url = new URL(request.url);
      const path = url.pathname;
      if (path === "/.well-known/openid-configuration") {
        return Response.json({
          issuer,
          jwks_uri: `${issuer}/jwks`,
          token_endpoint: `${issuer}/token`,
          authorization_endpoint: `${issuer}/authorize`,
          code_challenge_methods_supported: ["S256"],
        });
      }
      if (path === "/authorize") return authorize(url.searchParams);
      if (path === "/token" && request.method === "POST") {
        return await exchange(new URLSearchParams(await request.text()));
      }
      if (path === "/jwks") {
        fetches++;
        return Response.json({
          keys: keys.filter((k) => published.has(k.kid)).map((k) => k.publicJwk),
        });
      }
      return new Response("not found", { status: 404 });
    },
  );
  const issuer: string = `http://127.0.0.1:${server.addr.port}`;
  await addKey();

  async function addKey(publish = true): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const kid = `k${keys.length + 1}-${crypto.randomUUID().slice(0, 8)}`;
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
    const key = { kid, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
    keys.push(key);
    if (publish) published.add(kid);
    return key;
  }
  const current = () => keys[keys.length - 1]!;

  function authorize(params: URLSearchParams): Response {
    const redirectUri = params.get("redirect_uri");
    const challenge = params.get("code_challenge");
    if (login === undefined) return new Response("nobody signed in", { status: 403 });
    if (params.get("response_type") !== "code" || redirectUri === null || challenge === null) {
      return new Response("bad authorization request", { status: 400 });
    }
    if (params.get("code_challenge_method") !== "S256") {
      return new Response("PKCE S256 required", { status: 400 });
    }
    const code = crypto.randomUUID();
    codes.set(code, { challenge, redirectUri, claims: login });
    const target = new URL(redirectUri);
    target.searchParams.set("code", code);
    target.searchParams.set("state", params.get("state") ?? "");
    return new Response(null, { status: 302, headers: { location: target.href } });
  }

  async function exchange(form: URLSearchParams): Promise<Response> {
    const grant = codes.get(form.get("code") ?? "");
    codes.delete(form.get("code") ?? "");
    const verifier = form.get("code_verifier") ?? "";
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
    );
    const challenge = b64url(String.fromCharCode(...digest));
    if (
      grant === undefined || form.get("grant_type") !== "authorization_code" ||
      form.get("redirect_uri") !== grant.redirectUri || challenge !== grant.challenge
    ) {
      return Response.json({ error: "invalid_grant" }, { status: 400 });
    }
    exchanges++;
    const token = await provider.sign(grant.claims);
    return Response.json({ access_token: token, token_type: "Bearer", expires_in: 300 });
  }

  const provider: OidcProvider = {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    jwksFetches: () => fetches,
    async sign(claims, options = {}) {
      const key = options.kid === undefined
        ? current()
        : keys.find((k) => k.kid === options.kid) ?? current();
      const now = Math.floor(Date.now() / 1000);
      return await new SignJWT({ azp: "test-client", ...claims })
        .setProtectedHeader({
          alg: "RS256",
          kid: options.kid ?? key.kid,
          ...(options.typ === null ? {} : { typ: options.typ ?? "at+jwt" }),
        })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setSubject(typeof claims.sub === "string" ? claims.sub : "user-1")
        .setIssuedAt(now)
        .setExpirationTime(now + (options.expiresInSec ?? 300))
        .sign(key.privateKey);
    },
    async rotate(options = {}) {
      const previous = current();
      const key = await addKey(options.publish ?? true);
      if (options.dropOld) published.delete(previous.kid);
      return key.kid;
    },
    unsigned(claims) {
      const now = Math.floor(Date.now() / 1000);
      const header = b64url(JSON.stringify({ alg: "none", typ: "JWT" }));
      const payload = b64url(JSON.stringify({
        iss: issuer,
        aud: audience,
        sub: "user-1",
        iat: now,
        exp: now + 300,
        ...claims,
      }));
      return `${header}.${payload}.`;
    },
    async hmacWithPublicKey(claims) {
      const secret = new TextEncoder().encode(current().publicPem);
      const now = Math.floor(Date.now() / 1000);
      return await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: "HS256", kid: current().kid, typ: "JWT" })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject("user-1")
        .setExpirationTime(now + 300)
        .sign(secret);
    },
    currentKid: () => current().kid,
    loginAs(claims) {
      login = claims;
    },
    tokenExchanges: () => exchanges,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
    },
  };
  return provider;
}

function b64url(text: string): string {
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
