/**
 * Example TypeScript tools: pure, offline, and small enough to read as a template for your own.
 * Format: lib/registry/README.md
 */

import { defineTool, z } from "nexus/tool";

/** Counts characters, words and lines of a text. */
export const textStats = defineTool({
  name: "text_stats",
  title: "Text statistics",
  description: "Count the characters, words and lines of a text.",
  input: z.object({
    text: z.string().max(100_000).describe("The text to measure."),
  }),
  output: z.object({
    characters: z.number().int().describe("Unicode code points."),
    words: z.number().int().describe("Runs of non-whitespace characters."),
    lines: z.number().int().describe("Lines, counting a last line without a line break."),
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cache: { ttl: "5m" },
  timeout: "2s",
  handler({ text }) {
    return {
      characters: [...text].length,
      words: text.split(/\s+/).filter((word) => word !== "").length,
      lines: text === ""
        ? 0
        : text.split(/\r\n|\r|\n/).length - (/(\r\n|\r|\n)$/.test(text) ? 1 : 0),
    };
  },
});

/** Generates random (version 4) UUIDs. */
export const uuidGenerate = defineTool({
  name: "uuid_generate",
  title: "Generate UUIDs",
  description: "Generate one or more random version 4 UUIDs.",
  input: z.object({
    count: z.number().int().min(1).max(20).default(1).describe("How many UUIDs to generate."),
  }),
  output: z.object({
    uuids: z.array(z.uuid()),
  }),
  annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false },
  rateLimit: { perClient: "60/min" },
  handler({ count }) {
    return { uuids: Array.from({ length: count }, () => crypto.randomUUID()) };
  },
});
