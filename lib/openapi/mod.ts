/**
 * The OpenAPI importer: an OpenAPI 3.0/3.1 or Swagger 2.0 description (JSON or YAML, a file or a
 * URL) to one YAML tool file in the registry's HTTP tool format (`lib/registry/README.md`).
 * Mapping and limits: README "Importing an OpenAPI description".
 */

/**
 * `importOpenApi()` reads a description and returns the tool file's text and a report; raises
 * INVALID_INPUT (bad option, unreadable or invalid description, no server URL, no operation).
 */
export { importOpenApi } from "./import.ts";
/** Options and result of `importOpenApi`; types only. */
export type { ImportOptions, ImportResult } from "./import.ts";
/** A credential the imported tools name, with the command that stores it; type only. */
export type { CredentialPlan } from "./security.ts";
