/**
 * `--include` / `--exclude` patterns: `*` matches within one `/`-separated segment, `**` matches
 * across segments, `?` matches one character; everything else is literal.
 */

/** A compiled glob: whether a text matches it whole. */
export type Glob = (text: string) => boolean;

/** Compiles a glob pattern. */
export function compileGlob(pattern: string): Glob {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === "*" && pattern[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  const regex = new RegExp(`^${source}$`, "s");
  return (text) => regex.test(text);
}
