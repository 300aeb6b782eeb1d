/**
 * Size bounds on what a refused call sends back. The caller chooses the tool name and the
 * arguments, so any text built from them is cut before it reaches a result, an error or a log:
 * a 250 KB argument once produced a 5 MB validation error.
 */

/** Longest tool name quoted in a message (the MCP name rules allow 128 characters). */
export const MAX_QUOTED_NAME = 128;
/** Validation problems listed in one error; the rest are counted. */
export const MAX_PROBLEMS = 10;
/** Longest single problem (it names the field, whose path the caller chose). */
export const MAX_PROBLEM_CHARS = 300;
/** Longest error text a tool result carries. */
export const MAX_ERROR_TEXT = 4096;

/** `text` cut to `max` characters, marked with `…` when cut. */
export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A caller-chosen tool name, cut for quoting in a message. */
export function quotedName(name: string): string {
  return cut(name, MAX_QUOTED_NAME);
}

/**
 * At most {@linkcode MAX_PROBLEMS} problems, each cut, plus one line counting the rest. Each
 * problem starts with the field it is about, so a cut one still names it.
 */
export function boundedProblems(problems: readonly string[]): string[] {
  const kept = problems.slice(0, MAX_PROBLEMS).map((problem) => cut(problem, MAX_PROBLEM_CHARS));
  const more = problems.length - kept.length;
  if (more > 0) kept.push(`and ${more} more problem${more === 1 ? "" : "s"}`);
  return kept;
}
