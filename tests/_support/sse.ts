/** Reading Server-Sent Events streams in tests, a chunk at a time. */

/**
 * The complete SSE events at the start of `buffered`: the JSON of each one's `data:` line (events
 * without one are skipped), and the unfinished rest to prepend to the next chunk.
 */
export function takeSseMessages(
  buffered: string,
): { messages: Record<string, unknown>[]; rest: string } {
  const events = buffered.split("\n\n");
  const rest = events.pop() ?? "";
  const messages: Record<string, unknown>[] = [];
  for (const event of events) {
    const data = event.split("\n").find((line) => line.startsWith("data: "));
    if (data !== undefined) messages.push(JSON.parse(data.slice("data: ".length)));
  }
  return { messages, rest };
}
