/**
 * JSON Schema 2020-12 compilation, once per tool at load, into checks whose messages name the
 * field that was wrong (`argument "key": must match pattern "^[A-Z]+$"`).
 */

// Why: the SDK bundles ajv but re-exports only the draft-07 class, and its own docs say to depend
// on ajv (same version as the SDK pins) for a 2020-12 instance with structured errors.
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { JsonObject, SchemaCheck } from "./types.ts";

/** Whose values a schema checks: call arguments or a tool's structured output. */
export type SchemaRole = "input" | "output";

/** Why a schema did not compile; `path` points into the schema (`["properties", "a", "type"]`). */
export interface SchemaProblem {
  /** What is wrong, naming the role (`invalid input schema at minLength: must be number`). */
  message: string;
  /** Keys from the schema's root to the offending keyword; empty when no keyword is to blame. */
  path: string[];
}

/** Compiles schemas; one compiler per load pass so `$id`s of replaced files never collide. */
export type SchemaCompiler = (schema: JsonObject, role: SchemaRole) => SchemaCheck | SchemaProblem;

const NOUN: Record<SchemaRole, { one: string; all: string }> = {
  input: { one: "argument", all: "arguments" },
  output: { one: "field", all: "structured content" },
};

/** Creates a schema compiler returning a check, or the compile error as a message. */
export function createSchemaCompiler(): SchemaCompiler {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    addUsedSchema: false,
    logger: false,
  });
  addFormats.default(ajv);
  return function compileSchema(schema, role) {
    if (schema.type !== "object") {
      return { message: `${role} schema must have type: object`, path: ["type"] };
    }
    if (!ajv.validateSchema(schema)) return metaSchemaProblem(ajv.errors ?? [], role);
    try {
      const validate = ajv.compile(schema);
      return function checkSchema(value: unknown): string[] {
        if (validate(value)) return [];
        return describeErrors(validate.errors ?? [], role);
      };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { message: `invalid ${role} schema: ${reason}`, path: [] };
    }
  };
}

/** The first meta-schema violation, placed at the offending schema keyword. */
function metaSchemaProblem(errors: readonly ErrorObject[], role: SchemaRole): SchemaProblem {
  const first = errors[0];
  if (!first) return { message: `invalid ${role} schema`, path: [] };
  const path = first.instancePath === ""
    ? []
    : first.instancePath.slice(1).split("/").map((part) =>
      part.replaceAll("~1", "/").replaceAll("~0", "~")
    );
  const allowed = (first.params as Record<string, unknown>).allowedValues;
  const hint = Array.isArray(allowed) ? ` (${allowed.join(", ")})` : "";
  const where = path.length === 0 ? "" : ` at ${path.join(".")}`;
  return {
    message: `invalid ${role} schema${where}: ${first.message ?? "is invalid"}${hint}`,
    path,
  };
}

/** Turns ajv errors into messages that name the argument or field; duplicates are dropped. */
export function describeErrors(errors: readonly ErrorObject[], role: SchemaRole): string[] {
  const messages = errors.map((error) => describeError(error, role));
  return [...new Set(messages)];
}

function describeError(error: ErrorObject, role: SchemaRole): string {
  const noun = NOUN[role];
  const where = fieldName(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === "required" && typeof params.missingProperty === "string") {
    const missing = joinField(where, params.missingProperty);
    return `missing required ${noun.one} "${missing}"`;
  }
  if (error.keyword === "additionalProperties" && typeof params.additionalProperty === "string") {
    return `unknown ${noun.one} "${joinField(where, params.additionalProperty)}"`;
  }
  if (error.keyword === "unevaluatedProperties" && typeof params.unevaluatedProperty === "string") {
    return `unknown ${noun.one} "${joinField(where, params.unevaluatedProperty)}"`;
  }
  const message = error.message ?? `fails ${error.keyword}`;
  return where === "" ? `${noun.all} ${message}` : `${noun.one} "${where}": ${message}`;
}

/** `/items/0/id` → `items[0].id`. */
function fieldName(instancePath: string): string {
  if (instancePath === "") return "";
  const parts = instancePath.slice(1).split("/").map((part) =>
    part.replaceAll("~1", "/").replaceAll("~0", "~")
  );
  return parts.reduce((name, part) => joinField(name, part), "");
}

function joinField(base: string, part: string): string {
  if (/^\d+$/.test(part) && base !== "") return `${base}[${part}]`;
  return base === "" ? part : `${base}.${part}`;
}
