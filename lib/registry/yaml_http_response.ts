/**
 * Validates the `response:` part of a YAML tool's `http:` section: which fields to keep, HTML to
 * turn into text, the size cap and the error rule (`yaml_http_paging.ts` reads `errorWhen`).
 */

import { isPlainObject, type ReportProblem, unknownKeys } from "./fields.ts";
import type { HttpResponseSpec } from "./types.ts";
import { readErrorWhen } from "./yaml_http_paging.ts";

const DEFAULT_MAX_BYTES = 100_000;
const MAX_MAX_BYTES = 10_000_000;
const SELECT_PATH = /^[^.\s]+(\.[^.\s]+)*$/;

/** The response spec (defaults for an absent section), or undefined after reporting problems. */
export function readResponse(value: unknown, report: ReportProblem): HttpResponseSpec | undefined {
  if (value === undefined) return { maxBytes: DEFAULT_MAX_BYTES };
  const at = ["http", "response"];
  if (!isPlainObject(value)) {
    return void report({ path: at, message: "http.response must be a mapping" });
  }
  const problems = unknownKeys(value, ["select", "maxBytes", "errorWhen", "htmlToText"], at);
  const { select, maxBytes = DEFAULT_MAX_BYTES, htmlToText } = value;
  if (!isPathList(select)) {
    const message = "http.response.select must be a list of dot paths such as fields.summary";
    problems.push({ path: [...at, "select"], message });
  }
  if (!isPathList(htmlToText)) {
    const message =
      "http.response.htmlToText must be a list of dot paths such as body.storage.value";
    problems.push({ path: [...at, "htmlToText"], message });
  }
  if (
    !Number.isInteger(maxBytes) || (maxBytes as number) < 1 || (maxBytes as number) > MAX_MAX_BYTES
  ) {
    const message = `http.response.maxBytes must be a whole number from 1 to ${MAX_MAX_BYTES}`;
    problems.push({ path: [...at, "maxBytes"], message });
  }
  problems.forEach(report);
  const errorWhen = readErrorWhen(value.errorWhen, report);
  if (problems.length > 0 || !errorWhen) return undefined;
  return {
    ...(select === undefined ? {} : { select: select as string[] }),
    ...(htmlToText === undefined ? {} : { htmlToText: htmlToText as string[] }),
    maxBytes: maxBytes as number,
    ...(errorWhen.rule === undefined ? {} : { errorWhen: errorWhen.rule }),
  };
}

function isPathList(value: unknown): boolean {
  return value === undefined ||
    (Array.isArray(value) && value.every((p) => typeof p === "string" && SELECT_PATH.test(p)));
}
