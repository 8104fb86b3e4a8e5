import assert from "node:assert/strict";
import { type FlagProblem, readFlags } from "./cli_flags.ts";

const SPEC = { port: { type: "string" }, reset: { type: "boolean" } } as const;

function problemOf(args: string[]): FlagProblem {
  let seen: FlagProblem | undefined;
  assert.throws(() =>
    readFlags(args, SPEC, (problem) => {
      seen = problem;
      return new Error("refused");
    }), /refused/);
  return seen!;
}

Deno.test("readFlags reads values in both forms, switches, and the last of a repeated flag", () => {
  const fail = () => new Error("unexpected");
  assert.deepEqual(readFlags(["--port", "1", "--reset"], SPEC, fail), { port: "1", reset: true });
  assert.deepEqual(readFlags(["--port=1", "--port", "2"], SPEC, fail), { port: "2" });
  assert.deepEqual(readFlags([], SPEC, fail), {});
});

Deno.test("a flag that takes a value takes the next argument even when it looks like a flag", () => {
  assert.deepEqual(readFlags(["--port", "--reset"], SPEC, () => new Error("unexpected")), {
    port: "--reset",
  });
});

Deno.test("readFlags names each kind of bad argument as it was typed", () => {
  assert.deepEqual(problemOf(["--force=1"]), { kind: "unknown", flag: "--force", arg: "--force=1" });
  assert.deepEqual(problemOf(["-p", "1"]), { kind: "unknown", flag: "-p", arg: "-p" });
  assert.deepEqual(problemOf(["stray"]), { kind: "positional", arg: "stray" });
  assert.deepEqual(problemOf(["--", "x"]), { kind: "positional", arg: "--" });
  assert.deepEqual(problemOf(["--port"]), { kind: "missing-value", flag: "--port" });
  assert.deepEqual(problemOf(["--reset=no"]), {
    kind: "unexpected-value",
    flag: "--reset",
    arg: "--reset=no",
  });
  assert.deepEqual(problemOf(["--toString"]), { kind: "unknown", flag: "--toString", arg: "--toString" });
});
