/**
 * The V8 heap limit (`--max-old-space-size`, in MB) Nexus starts with when nothing explicit says
 * otherwise, from the memory the process may use: an explicit `--max-old-space-size` (in
 * `DENO_V8_FLAGS` or the arguments) is left alone; else `NEXUS_HEAP_MB`; else half of the cgroup
 * memory limit (`memory.max`, v2, or `memory.limit_in_bytes`, v1) when there is one; else
 * {@linkcode DEFAULT_HEAP_MB}. With a chosen limit goes a cap on the young generation
 * (`--max-semi-space-size`, {@linkcode semiSpaceMb}). Used by `deno task start` (scripts/start.ts)
 * and the compiled binary (scripts/compile.ts, so the Dockerfile too).
 */

/** The heap limit without a cgroup limit or `NEXUS_HEAP_MB`, in MB. */
export const DEFAULT_HEAP_MB = 1024;
/** The share of a cgroup memory limit given to the V8 old space. */
export const CGROUP_HEAP_SHARE = 0.5;
/** The smallest heap limit chosen from a cgroup limit, in MB. */
export const MIN_HEAP_MB = 64;

/** Where the cgroup memory limit is read, v2 first. */
export const CGROUP_MEMORY_FILES = [
  "/sys/fs/cgroup/memory.max",
  "/sys/fs/cgroup/memory/memory.limit_in_bytes",
] as const;

/** What the heap limit is chosen from. */
export interface HeapInputs {
  /** Reads an environment variable (`NEXUS_HEAP_MB`, `DENO_V8_FLAGS`). */
  env: (name: string) => string | undefined;
  /** The cgroup memory limit in bytes; absent: none. */
  memoryMaxBytes?: number;
  /** Further arguments that may carry `--v8-flags=…`. */
  args?: readonly string[];
}

/** The chosen limit and why; `heapMb` undefined when an explicit flag decides. */
export interface HeapChoice {
  heapMb?: number;
  source: "explicit" | "NEXUS_HEAP_MB" | "cgroup" | "default";
}

/** Chooses the heap limit; throws `Cannot start: …` on a malformed `NEXUS_HEAP_MB`. */
export function chooseHeapLimit(inputs: HeapInputs): HeapChoice {
  const flags = [inputs.env("DENO_V8_FLAGS") ?? "", ...(inputs.args ?? [])].join(" ");
  if (/--max[-_]old[-_]space[-_]size/.test(flags)) return { source: "explicit" };
  const configured = inputs.env("NEXUS_HEAP_MB");
  if (configured !== undefined && configured !== "") {
    const heapMb = Number(configured);
    if (!Number.isInteger(heapMb) || heapMb < 16) {
      throw new Error(
        `Cannot start: NEXUS_HEAP_MB must be a whole number of MB ≥ 16: ${configured}`,
      );
    }
    return { heapMb, source: "NEXUS_HEAP_MB" };
  }
  if (inputs.memoryMaxBytes !== undefined) {
    const share = Math.floor(inputs.memoryMaxBytes * CGROUP_HEAP_SHARE / (1024 * 1024));
    return { heapMb: Math.max(MIN_HEAP_MB, share), source: "cgroup" };
  }
  return { heapMb: DEFAULT_HEAP_MB, source: "default" };
}

/**
 * The cgroup memory limit from the text of `memory.max` or `memory.limit_in_bytes`: undefined
 * for `max` and for v1's "unlimited" (a value near 2^63). Raises nothing.
 */
export function parseMemoryMax(text: string): number | undefined {
  const value = text.trim();
  if (!/^\d+$/.test(value)) return undefined;
  const bytes = Number(value);
  // Why 2^50 (1 PB): cgroup v1 writes "unlimited" as a page-rounded 2^63 - 1.
  return bytes > 0 && bytes < 2 ** 50 ? bytes : undefined;
}

/** The cgroup memory limit of this process, or undefined when none is readable. */
export async function readMemoryMax(
  files: readonly string[] = CGROUP_MEMORY_FILES,
): Promise<number | undefined> {
  for (const file of files) {
    try {
      return parseMemoryMax(await Deno.readTextFile(file));
    } catch {
      // Why go on: the v2 file is absent under cgroup v1, and neither exists outside Linux.
    }
  }
  return undefined;
}

/** The largest young-generation semi-space chosen, in MB (V8's own cap on 64-bit hosts). */
export const MAX_SEMI_SPACE_MB = 16;

/**
 * The semi-space cap for an old-space limit of `heapMb`: 1/64 of it, between 1 and
 * {@linkcode MAX_SEMI_SPACE_MB} MB. Raises nothing.
 */
export function semiSpaceMb(heapMb: number): number {
  // Why a cap at all: Deno 2.9's V8 lets the young generation grow to 3 × 32 MB whatever the
  // old-space limit, so a gateway with a 256 MB heap under load held up to 96 MB of young
  // generation in RSS; at 4 MB its peak RSS with 10,000 clients fell by about 40 MB (bench/README.md
  // "Memory"). Why 1/64: large heaps keep V8's 16 MB, small containers get a small nursery.
  return Math.min(MAX_SEMI_SPACE_MB, Math.max(1, Math.round(heapMb / 64)));
}

/** The V8 flags of a chosen limit: `--max-old-space-size=N,--max-semi-space-size=S`. */
export function v8HeapFlags(heapMb: number): string {
  return `--max-old-space-size=${heapMb},--max-semi-space-size=${semiSpaceMb(heapMb)}`;
}

/** The `--v8-flags=…` argument for a choice, or none when an explicit flag decides. */
export function heapFlags(choice: HeapChoice): string[] {
  return choice.heapMb === undefined ? [] : [`--v8-flags=${v8HeapFlags(choice.heapMb)}`];
}
