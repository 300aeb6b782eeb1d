import assert from "node:assert/strict";
import { createRedactor } from "../../lib/credentials/redactor.ts";

/** Every run of `length` characters of `secret`, for asserting that none reached `text`. */
function assertNoRun(text: string, secret: string, length = 8): void {
  for (let i = 0; i + length <= secret.length; i++) {
    const run = secret.slice(i, i + length);
    assert.ok(!text.includes(run), `a ${length}-character run of the secret survived: ${run}`);
  }
}

/** Calls `fn` while recording the source of every `RegExp` built through the constructor. */
function withRegExpSpy<T>(fn: () => T): { value: T; sources: string[] } {
  const original = globalThis.RegExp;
  const sources: string[] = [];
  const record = (args: unknown[]) => sources.push(String(args[0]));
  globalThis.RegExp = new Proxy(original, {
    construct(target, args) {
      record(args);
      return Reflect.construct(target, args);
    },
    apply(target, self, args) {
      record(args);
      return Reflect.apply(target, self, args);
    },
  });
  try {
    return { value: fn(), sources };
  } finally {
    globalThis.RegExp = original;
  }
}

Deno.test("createRedactor() builds no RegExp from secret text: metacharacters and a 100,000-character secret still redact", () => {
  const meta = "a.*b(c)[d]+?^$|\\{2}/x";
  const long = Array.from({ length: 100_000 }, (_, i) => "abcdefghij"[i % 10]).join("") + "Z";
  const { value, sources } = withRegExpSpy(() => {
    const redact = createRedactor([meta, long]);
    return [
      redact(`one ${meta} two`),
      redact(`one ${encodeURIComponent(meta)} two`),
      redact(`start ${long} end`),
      redact("aXb(c)[d] is not the secret"),
    ];
  });
  assert.equal(value[0], "one [redacted] two");
  assert.equal(value[1], "one [redacted] two");
  assert.equal(value[2], "start [redacted] end");
  assert.equal(value[3], "aXb(c)[d] is not the secret", "metacharacters match only themselves");
  for (const source of sources) {
    assert.ok(!source.includes("b(c)") && !source.includes("abcdefghij"), "a RegExp held a secret");
  }
});

Deno.test("createRedactor() scrubs overlapping secrets whole, never leaving half of one", () => {
  const redact = createRedactor(["abcdefgh1234", "1234wxyz5678"]);
  const out = redact("x abcdefgh1234wxyz5678 y");
  assert.equal(out, "x [redacted] y");
  assertNoRun(out, "1234wxyz5678");
});

Deno.test("cut() scrubs a trailing run of 8 or more characters that begins a secret", () => {
  const secret = "tok-9f8e7d6c5b4a";
  const redact = createRedactor([secret]);
  assert.equal(redact.cut("answer: tok-9f8e7d"), "answer: [redacted]");
  assert.equal(redact.cut(`a ${secret} b tok-9f8e`), "a [redacted] b [redacted]");
  assert.equal(redact.cut(`ends with ${btoa(secret).slice(0, 9)}`), "ends with [redacted]");
  assert.equal(redact.cut("answer: tok-9f8"), "answer: tok-9f8", "7 characters are left alone");
  assert.equal(redact("answer: tok-9f8e7d"), "answer: tok-9f8e7d", "only cut() scrubs a prefix");
});

Deno.test("matches() says whether text holds a secret or an encoding of one", () => {
  const redact = createRedactor(["12345678901234"]);
  assert.ok(redact.matches("12345678901234"));
  assert.ok(redact.matches("id 9912345678901234"));
  assert.ok(!redact.matches("1234567890123"));
});
