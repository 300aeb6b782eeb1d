import assert from "node:assert/strict";

const SHUTDOWN = new URL("../../lib/cli/shutdown.ts", import.meta.url).href;
const LOG = new URL("../../lib/log.ts", import.meta.url).href;

/** Runs a script that installs the guard, then throws `code` from a timer, as a driver would. */
async function throwAfterGuard(
  code: string,
  how: "throw" | "reject" = "throw",
): Promise<{ code: number; stdout: string }> {
  const fault = `Object.assign(new Error("socket failed"), { code: ${JSON.stringify(code)} })`;
  const raise = how === "throw"
    ? `setTimeout(() => { throw ${fault}; }, 0);`
    : `Promise.reject(${fault});`;
  const script = `
    import { guardSocketFaults } from ${JSON.stringify(SHUTDOWN)};
    import { createLogger } from ${JSON.stringify(LOG)};
    guardSocketFaults(createLogger({ sink: (line) => console.error(line) }));
    ${raise}
    setTimeout(() => console.log("still serving"), 100);
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: output.code, stdout: new TextDecoder().decode(output.stdout) };
}

Deno.test("guardSocketFaults() keeps the process serving after a stray EPIPE", async () => {
  const { code, stdout } = await throwAfterGuard("EPIPE");
  assert.equal(code, 0);
  assert.match(stdout, /still serving/);
});

Deno.test("guardSocketFaults() lets any other uncaught error end the process", async () => {
  const { code, stdout } = await throwAfterGuard("ERR_SOMETHING_ELSE");
  assert.notEqual(code, 0);
  assert.doesNotMatch(stdout, /still serving/);
});

Deno.test("guardSocketFaults() also absorbs stray ECONNRESET and ECONNREFUSED rejections", async () => {
  for (const fault of ["ECONNRESET", "ECONNREFUSED"]) {
    const { code, stdout } = await throwAfterGuard(fault, "reject");
    assert.equal(code, 0, fault);
    assert.match(stdout, /still serving/, fault);
  }
});
