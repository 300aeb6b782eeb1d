/**
 * Name patterns in policies: `*` matches any run of characters, `?` one character, anything else
 * itself; `jira_*` matches `jira_get_issue`. Compiled once per policy load, tested per call.
 */

/** A compiled set of patterns; `test` is true when any pattern matches the whole name. */
export interface PatternSet {
  readonly empty: boolean;
  test(name: string): boolean;
}

/** Compiles glob patterns into one matcher. Raises nothing: every string is a valid pattern. */
export function compilePatterns(patterns: readonly string[]): PatternSet {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const pattern of patterns) {
    if (pattern === "*") return { empty: false, test: () => true };
    if (/[*?]/.test(pattern)) globs.push(globToRegExp(pattern));
    else exact.add(pattern);
  }
  const empty = exact.size === 0 && globs.length === 0;
  return {
    empty,
    test(name: string): boolean {
      if (exact.has(name)) return true;
      for (const glob of globs) if (glob.test(name)) return true;
      return false;
    },
  };
}

/** Whether any of `values` is matched by `set`. */
export function matchesAny(set: PatternSet, values: readonly string[]): boolean {
  for (const value of values) if (set.test(value)) return true;
  return false;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.split("").map((char) => {
    if (char === "*") return ".*";
    if (char === "?") return ".";
    return char.replace(/[.+^${}()|[\]\\/-]/g, "\\$&");
  }).join("");
  return new RegExp(`^${body}$`, "s");
}
