/**
 * SEP-2243 server side (2026-07-28 Streamable HTTP): a tool argument whose schema property
 * carries `x-mcp-header: Name` is mirrored by the client as an `Mcp-Param-Name` header (the value
 * as is, or `=?base64?…?=`), and the server must check that the two agree before it serves the
 * call: a missing header for a value the body carries, an undecodable Base64 value, or a
 * different value is refused with HTTP 400 and JSON-RPC error -32020 (HeaderMismatch).
 *
 * Why here: the SDK's `createMcpHandler` checks this only for tools registered on an `McpServer`;
 * the gateway's tools are data (its own file tools and every upstream's), so it checks them itself,
 * with the SDK's rules (`mcpParamHeaders.ts` in `@modelcontextprotocol/core`, not public): the
 * declarations are found along `properties` chains only, a schema that breaks the rules declares
 * nothing, a body value that is absent or `null` expects no header, and integers compare as
 * numbers.
 */

/** JSON-RPC HeaderMismatch. */
const HEADER_MISMATCH = -32020;
const PROTOCOL_VERSION_KEY = "io.modelcontextprotocol/protocolVersion";
/** The first revision with Mcp-Param headers; later ones compare greater as text. */
const FIRST_MODERN = "2026-07-28";
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRIMITIVE_TYPES: ReadonlySet<string> = new Set(["string", "integer", "boolean", "number"]);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
/** Subschema keywords outside the `properties` chain: a declaration there is invalid. */
const UNREACHABLE = [
  "items",
  "prefixItems",
  "contains",
  "additionalProperties",
  "unevaluatedProperties",
  "unevaluatedItems",
  "propertyNames",
  "patternProperties",
  "dependentSchemas",
  "oneOf",
  "anyOf",
  "allOf",
  "not",
  "if",
  "then",
  "else",
  "$defs",
  "definitions",
];
const NAMED_SUBSCHEMAS: ReadonlySet<string> = new Set([
  "patternProperties",
  "dependentSchemas",
  "$defs",
  "definitions",
]);

/** One `x-mcp-header` declaration: the argument's path and the header's name suffix. */
export interface ParamHeader {
  readonly path: readonly string[];
  readonly name: string;
  readonly type: string;
}

/**
 * The `x-mcp-header` declarations of a tool's input schema; empty when it has none or breaks the
 * rules (not on a `properties` chain, not a token, not a primitive type, not unique ignoring case).
 * Raises nothing.
 */
export function scanParamHeaders(inputSchema: unknown): readonly ParamHeader[] {
  const found: ParamHeader[] = [];
  const seen = new Set<string>();
  function visit(node: unknown, path: string[], reachable: boolean): boolean {
    if (typeof node !== "object" || node === null) return true;
    const schema = node as Record<string, unknown>;
    if ("x-mcp-header" in schema) {
      const name = schema["x-mcp-header"];
      const type = typeof schema.type === "string" ? schema.type : "";
      if (!reachable || path.length === 0 || typeof name !== "string" || !TOKEN.test(name)) {
        return false;
      }
      if (!PRIMITIVE_TYPES.has(type) || seen.has(name.toLowerCase())) return false;
      seen.add(name.toLowerCase());
      found.push({ path, name, type });
    }
    const properties = schema.properties;
    if (typeof properties === "object" && properties !== null) {
      for (const [key, child] of Object.entries(properties)) {
        if (!visit(child, [...path, key], reachable)) return false;
      }
    }
    for (const keyword of UNREACHABLE) {
      const sub = schema[keyword];
      if (sub === undefined) continue;
      const branches = Array.isArray(sub)
        ? sub
        : NAMED_SUBSCHEMAS.has(keyword) && typeof sub === "object" && sub !== null
        ? Object.values(sub)
        : [sub];
      if (!branches.every((branch) => visit(branch, [...path, `<${keyword}>`], false))) {
        return false;
      }
    }
    return true;
  }
  return visit(inputSchema, [], true) ? found : [];
}

/**
 * The `x-mcp-header` declarations of the tool `lookup` finds for a caller (undefined: no such tool
 * for this caller), scanned once per definition. Why cached per definition: a snapshot's
 * definitions live until the next reload replaces them (a weak map forgets them then).
 */
export function paramDeclarations<C>(
  options: { lookup: (name: string, caller: C) => { inputSchema: unknown } | undefined },
): (name: string, caller: C) => readonly ParamHeader[] | undefined {
  const scanned = new WeakMap<object, readonly ParamHeader[]>();
  return (name, caller) => {
    const tool = options.lookup(name, caller);
    if (tool === undefined) return undefined;
    let declarations = scanned.get(tool);
    if (declarations === undefined) {
      declarations = scanParamHeaders(tool.inputSchema);
      scanned.set(tool, declarations);
    }
    return declarations;
  };
}

/** Why the headers disagree with the body, or undefined when they agree. Raises nothing. */
export function paramHeaderMismatch(
  declarations: readonly ParamHeader[],
  args: unknown,
  headers: Headers,
): { header: string; message: string } | undefined {
  for (const declaration of declarations) {
    const header = `Mcp-Param-${declaration.name}`;
    const value = valueAt(args, declaration.path);
    const expected = primitiveText(value);
    if (expected === undefined) continue;
    const where = `${declaration.path.join(".")}=${JSON.stringify(value)}`;
    const sent = headers.get(header);
    if (sent === null) {
      return { header, message: `the body carries ${where} but the ${header} header is absent` };
    }
    const decoded = decodeValue(sent.trim());
    if (decoded === undefined) {
      return { header, message: `the ${header} header carries an invalid Base64 value` };
    }
    const numeric = (declaration.type === "integer" || declaration.type === "number") &&
      typeof value === "number" && DECIMAL.test(decoded);
    if (numeric ? Number(decoded) !== value : decoded !== expected) {
      return {
        header,
        message: `the ${header} header decodes to ${JSON.stringify(decoded)} but the body ` +
          `carries ${where}`,
      };
    }
  }
  return undefined;
}

/**
 * The 400 answer to a 2026-07-28 `tools/call` whose `Mcp-Param-*` headers disagree with its
 * arguments, for the tool `declarationsOf` finds by name (undefined: unknown to the caller, left
 * to the call pipeline); undefined when there is nothing to refuse. Raises nothing.
 */
export function paramHeaderRejection(
  request: Request,
  body: unknown,
  declarationsOf: (tool: string) => readonly ParamHeader[] | undefined,
): Response | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const { id, method, params } = body as { id?: unknown; method?: unknown; params?: unknown };
  if (method !== "tools/call" || typeof params !== "object" || params === null) return undefined;
  const { name, arguments: args, _meta } = params as Record<string, unknown>;
  const version = (_meta as Record<string, unknown> | undefined)?.[PROTOCOL_VERSION_KEY];
  // Why modern only: Mcp-Param headers belong to the 2026-07-28 transport; 2025 clients send none.
  // Why any such date: the SDK refuses a revision it does not serve right after, with 400 too.
  if (typeof version !== "string" || !DATE.test(version) || version < FIRST_MODERN) {
    return undefined;
  }
  if (typeof name !== "string") return undefined;
  const declarations = declarationsOf(name);
  if (declarations === undefined || declarations.length === 0) return undefined;
  const mismatch = paramHeaderMismatch(declarations, args, request.headers);
  if (mismatch === undefined) return undefined;
  const message = `Bad Request: the request headers and body disagree: ${mismatch.message}`;
  return Response.json({
    jsonrpc: "2.0",
    id: typeof id === "string" || typeof id === "number" ? id : null,
    error: {
      code: HEADER_MISMATCH,
      message,
      data: { mismatch: { header: mismatch.header, body: mismatch.message } },
    },
  }, { status: 400 });
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A primitive as the client mirrors it; undefined for what it would send no header for. */
function primitiveText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) return undefined;
  return String(value);
}

/** The header's value: decoded when wrapped as `=?base64?…?=`; undefined when that fails. */
function decodeValue(value: string): string | undefined {
  if (!(value.startsWith("=?base64?") && value.endsWith("?="))) return value;
  const inner = value.slice("=?base64?".length, value.length - 2);
  if (!BASE64.test(inner)) return undefined;
  try {
    const bytes = Uint8Array.from(atob(inner), (char) => char.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
