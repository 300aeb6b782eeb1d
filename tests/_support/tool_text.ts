/** Reading a tool result's text in tests. */

/** The text blocks of a tool result joined, or "" when it has no content. */
export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ text?: string }> }).content ?? [];
  return content.map((block) => block.text ?? "").join("");
}
