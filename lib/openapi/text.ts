/** Cutting descriptions to a length a model reads, at a word boundary. */

/** Description lengths: a tool's, and an argument's or a nested field's. */
export const TOOL_DESCRIPTION_MAX = 1000;
export const FIELD_DESCRIPTION_MAX = 300;
export const TITLE_MAX = 100;

// C0 controls but tab, LF and CR; DEL and C1 controls (a description is read by a model).
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** `text` without control characters, its whitespace runs collapsed, cut to `max` characters at a word boundary. */
export function cutText(text: string, max: number): string {
  const flat = text.replace(CONTROL, "").replace(/\r\n?/g, "\n").replace(/[ \t]+/g, " ").replace(
    /\n{3,}/g,
    "\n\n",
  )
    .trim();
  if (flat.length <= max) return flat;
  const head = flat.slice(0, max - 1);
  // Why: a cut at a paragraph or sentence end reads as a whole; else at a word, never mid-word.
  const paragraph = head.lastIndexOf("\n\n");
  if (paragraph > max / 2) return `${head.slice(0, paragraph).trimEnd()}\n\n…`;
  const sentence = head.search(/[.!?]\s[^.!?]*$/);
  if (sentence > max / 2) return `${head.slice(0, sentence + 1)} …`;
  const space = head.search(/\s\S*$/);
  return `${(space > max / 2 ? head.slice(0, space) : head).trimEnd()}…`;
}

/** Joins non-empty parts with a blank line. */
export function joinText(...parts: Array<string | undefined>): string {
  return parts.filter((part): part is string => part !== undefined && part.trim() !== "")
    .join("\n\n");
}
