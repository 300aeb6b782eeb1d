/** File-system checks shared by the test helpers that install tools on first use. */

/** Whether something exists at `path` (any stat failure counts as absent). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
