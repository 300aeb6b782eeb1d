/**
 * Security schemes to vault credentials: each scheme an operation uses becomes one credential
 * name and kind, with the `nexus credentials set` command that stores it.
 */

import type { JsonObject } from "../registry/mod.ts";
import { arrayAt, isObject, type SpecVersion, stringAt } from "./doc.ts";
import { credentialName } from "./names.ts";
import { resolveNode } from "./refs.ts";

/** One credential the imported tools name in `auth`. */
export interface CredentialPlan {
  /** Credential name (`auth:` in the tools). */
  name: string;
  /** The security scheme(s) it stands for. */
  schemes: string[];
  /** The `nexus credentials set …` command that stores it (the secret is read from stdin). */
  command: string;
  /** What to know before running it (the secret's shape, where a token comes from). */
  note?: string;
}

/** How an import's tools authenticate: per operation, and the credentials to store. */
export interface SecurityPlanner {
  /** The credential for an operation, or undefined when it needs none (or none Nexus can send). */
  authFor(op: JsonObject): string | undefined;
  /** Every credential some tool names, in first-use order. */
  credentials(): CredentialPlan[];
  /** Schemes no credential kind can carry (digest, mutual TLS…), for the report. */
  unsupported(): string[];
}

interface Kind {
  flags: string;
  note?: string;
  scopes?: boolean;
}

/** What the planner has learned so far. */
interface PlannerState {
  doc: JsonObject;
  version: SpecVersion;
  schemes: JsonObject;
  fixed?: string;
  prefix: string;
  /** Whether the description declares any security at all. */
  anySecurity: boolean;
  used: Map<string, CredentialPlan>;
  scopes: Map<string, Set<string>>;
  unsupported: Set<string>;
}

/** Plans credentials for a document; `fixed` (`--auth NAME`) names one credential for all. */
export function createSecurityPlanner(
  doc: JsonObject,
  version: SpecVersion,
  options: { fixed?: string; prefix: string },
): SecurityPlanner {
  const schemes = version === "2.0"
    ? objectOf(doc.securityDefinitions)
    : objectOf(objectOf(doc.components).securitySchemes);
  const state: PlannerState = {
    doc,
    version,
    schemes,
    ...(options.fixed === undefined ? {} : { fixed: options.fixed }),
    prefix: options.prefix,
    anySecurity: Object.keys(schemes).length > 0 || arrayAt(doc.security).length > 0,
    used: new Map(),
    scopes: new Map(),
    unsupported: new Set(),
  };
  return {
    authFor: (op) => authFor(state, op),
    credentials: () => credentialsOf(state),
    unsupported: () => [...state.unsupported].sort(),
  };
}

function authFor(state: PlannerState, op: JsonObject): string | undefined {
  const requirements = arrayAt(op.security ?? state.doc.security).filter(isObject);
  const needed = requirements.filter((alternative) => Object.keys(alternative).length > 0);
  if (state.fixed !== undefined) {
    if (state.anySecurity && needed.length === 0) return undefined;
    const first = Object.keys(needed[0] ?? {})[0];
    return use(state, state.fixed, first, first === undefined ? undefined : kindOf(state, first));
  }
  for (const alternative of needed) {
    const names = Object.keys(alternative);
    if (names.length !== 1) continue; // Why: one tool carries one credential.
    const schemeName = names[0]!;
    const kind = kindOf(state, schemeName);
    if (kind === undefined) continue;
    const name = credentialName(state.prefix, schemeName);
    const wanted = state.scopes.get(name) ?? new Set();
    for (const scope of arrayAt(alternative[schemeName])) {
      if (typeof scope === "string") wanted.add(scope);
    }
    state.scopes.set(name, wanted);
    return use(state, name, schemeName, kind);
  }
  return undefined;
}

function kindOf(state: PlannerState, schemeName: string): Kind | undefined {
  const { node } = resolveNode(state.doc, state.schemes[schemeName]);
  const kind = credentialKind(node, state.version);
  if (kind === undefined) state.unsupported.add(schemeName);
  return kind;
}

/** Records that a tool names credential `name`; its command comes from the first scheme seen. */
function use(
  state: PlannerState,
  name: string,
  schemeName: string | undefined,
  kind: Kind | undefined,
): string {
  const plan = state.used.get(name) ?? { name, schemes: [], command: "" };
  if (schemeName !== undefined && !plan.schemes.includes(schemeName)) {
    plan.schemes.push(schemeName);
  }
  if (plan.command === "") {
    const chosen = kind ?? { flags: "--kind bearer", note: "no security scheme: pick the kind" };
    plan.command = `nexus credentials set ${name} ${chosen.flags}`;
    if (chosen.note !== undefined) plan.note = chosen.note;
  }
  state.used.set(name, plan);
  return name;
}

/** The plans, OAuth ones with the scopes their operations ask for. */
function credentialsOf(state: PlannerState): CredentialPlan[] {
  return [...state.used.values()].map((plan) => {
    const wanted = [...(state.scopes.get(plan.name) ?? [])].sort();
    if (!plan.command.includes("--kind oauth2_") || wanted.length === 0) return plan;
    const flags = wanted.map((scope) => ` --scope ${shellWord(scope)}`).join("");
    return { ...plan, command: plan.command + flags };
  });
}

/** The vault kind (and its flags) that carries a security scheme, or undefined. */
function credentialKind(scheme: JsonObject, version: SpecVersion): Kind | undefined {
  const type = stringAt(scheme.type);
  if (type === "apiKey") {
    const name = shellWord(stringAt(scheme.name) ?? "X-API-Key");
    if (scheme.in === "header") return { flags: `--kind api_key --header ${name}` };
    if (scheme.in === "query") return { flags: `--kind api_key --query ${name}` };
    if (scheme.in === "cookie") {
      return { flags: "--kind headers", note: `the secret is {"Cookie":"${name}=<key>"}` };
    }
    return undefined;
  }
  if (type === "basic" && version === "2.0") return { flags: "--kind basic --username USER" };
  if (type === "http") {
    const http = (stringAt(scheme.scheme) ?? "").toLowerCase();
    if (http === "bearer") return { flags: "--kind bearer" };
    if (http === "basic") return { flags: "--kind basic --username USER" };
    return undefined;
  }
  if (type === "oauth2") return oauthKind(scheme, version);
  if (type === "openIdConnect") {
    const url = stringAt(scheme.openIdConnectUrl) ?? "the provider";
    return { flags: "--kind bearer", note: `an access token from ${url}` };
  }
  return undefined;
}

function oauthKind(scheme: JsonObject, version: SpecVersion): Kind {
  const flows: Array<[string, JsonObject]> = version === "2.0"
    ? [[stringAt(scheme.flow) ?? "", scheme]]
    : Object.entries(objectOf(scheme.flows)).map(([flow, value]) => [flow, objectOf(value)]);
  const find = (names: string[]) => flows.find(([flow]) => names.includes(flow));
  const client = find(["clientCredentials", "application"]);
  const code = find(["authorizationCode", "password", "accessCode"]);
  const tokenUrl = (flow: JsonObject) => shellWord(stringAt(flow.tokenUrl) ?? "TOKEN_URL");
  if (client !== undefined) {
    return {
      flags: `--kind oauth2_client_credentials --token-url ${
        tokenUrl(client[1])
      } --client-id CLIENT_ID`,
      note: "the secret is the client secret",
    };
  }
  if (code !== undefined) {
    return {
      flags: `--kind oauth2_refresh_token --token-url ${tokenUrl(code[1])} --client-id CLIENT_ID`,
      note: "the secret is a refresh token from the provider's authorization flow",
    };
  }
  return { flags: "--kind bearer", note: "implicit flow: the secret is an access token" };
}

function objectOf(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

/** A word safe to paste into a POSIX shell: quoted unless plainly safe. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_.:/@%+=,-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
