/** The TypeScript tool file the admission, drain, fairness and cluster tests serve. */

/** `slow_echo({ text, ms })`: sleeps `ms`, then echoes; a call that stays in flight a while. */
export const SLOW_TOOL = `import { defineTool, z } from "nexus/tool";

/** Sleeps, then echoes: a call that stays in flight (admission slot, drain, failover). */
export const slowEcho = defineTool({
  name: "slow_echo",
  description: "Waits, then echoes the text.",
  input: z.object({ text: z.string(), ms: z.number().int() }),
  timeout: "60s",
  async handler({ text, ms }) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { content: [{ type: "text", text }] };
  },
});
`;
