/**
 * Finds the `:name` placeholders of a SQL tool's query. Text inside quotes (`'…'`, `"…"`,
 * backticks, Postgres `$tag$…$tag$`) and comments (`-- …`, `/* … *\/`) is never a placeholder,
 * and neither is a Postgres cast (`::int`) or an assignment (`:=`).
 */

/** A query split at its placeholders: `text[0] + :params[0] + text[1] + …`. */
export interface ParsedQuery {
  /** The literal SQL around the placeholders; always one more than `params`. */
  text: string[];
  /** Placeholder names in order of appearance (a name used twice appears twice). */
  params: string[];
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;
const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

/** The query split at its placeholders, or a problem (lower case, no period). */
export function parseSqlQuery(query: string): ParsedQuery | string {
  const text: string[] = [];
  const params: string[] = [];
  let start = 0;
  let i = 0;
  while (i < query.length) {
    const skipped = skipQuotedOrComment(query, i);
    if (typeof skipped === "string") return skipped;
    if (skipped > i) {
      i = skipped;
      continue;
    }
    const char = query[i] as string;
    const next = query[i + 1] ?? "";
    if (char === ":" && (next === ":" || next === "=")) {
      i += 2;
    } else if (char === ":" && NAME_START.test(next) && !NAME_PART.test(query[i - 1] ?? "")) {
      let end = i + 1;
      while (end < query.length && NAME_PART.test(query[end] as string)) end++;
      text.push(query.slice(start, i));
      params.push(query.slice(i + 1, end));
      start = i = end;
    } else if (char === "$" && /[0-9]/.test(next)) {
      return `positional parameter "$${next}" is not allowed: use :name placeholders`;
    } else {
      i++;
    }
  }
  text.push(query.slice(start));
  return { text, params };
}

/** The index after the quoted text or comment starting at `i`; `i` when none starts there. */
function skipQuotedOrComment(query: string, i: number): number | string {
  const char = query[i] as string;
  const next = query[i + 1] ?? "";
  if (char === "-" && next === "-") {
    const end = query.indexOf("\n", i);
    return end === -1 ? query.length : end + 1;
  }
  if (char === "/" && next === "*") return skipBlockComment(query, i);
  if (char === "'") {
    // Why: E'…' (Postgres) honours backslash escapes; a standard string doubles its quotes.
    const escapes = /[eE]/.test(query[i - 1] ?? "") && !NAME_PART.test(query[i - 2] ?? "");
    return skipQuoted(query, i, "'", escapes);
  }
  if (char === '"' || char === "`") return skipQuoted(query, i, char, false);
  if (char === "$" && !NAME_PART.test(query[i - 1] ?? "")) {
    const tag = DOLLAR_TAG.exec(query.slice(i));
    if (tag) {
      const end = query.indexOf(tag[0], i + tag[0].length);
      if (end === -1) return `unterminated dollar-quoted string ${tag[0]}`;
      return end + tag[0].length;
    }
  }
  return i;
}

function skipQuoted(query: string, i: number, quote: string, escapes: boolean): number | string {
  let j = i + 1;
  while (j < query.length) {
    const char = query[j];
    if (escapes && char === "\\") j += 2;
    else if (char === quote && query[j + 1] === quote) j += 2;
    else if (char === quote) return j + 1;
    else j++;
  }
  return `unterminated quoted text starting with ${quote}`;
}

// Why nesting: Postgres block comments nest (`/* a /* b */ c */` is one comment).
function skipBlockComment(query: string, i: number): number | string {
  let depth = 0;
  let j = i;
  while (j < query.length) {
    if (query[j] === "/" && query[j + 1] === "*") {
      depth++;
      j += 2;
    } else if (query[j] === "*" && query[j + 1] === "/") {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else {
      j++;
    }
  }
  return "unterminated /* comment";
}
