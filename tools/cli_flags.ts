/**
 * Long command-line flags read with `node:util`'s `parseArgs`, each problem handed back to the tool so it
 * words the error its users know (`Unknown argument --force; see --help`).
 *
 * `parseArgs` in strict mode throws its own messages and refuses `--port --reset` as ambiguous; this reads
 * its tokens instead, so a flag that takes a value always takes the next argument, and a bad argument is
 * named as it was typed.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** The flags a tool takes: each a switch (`boolean`) or takes a value (`string`). */
export type FlagSpec = Record<string, { type: "boolean" | "string" }>;

/** The flags given: a string for a flag with a value, true for a switch; absent when not given. */
export type FlagValues<S extends FlagSpec> = {
  [K in keyof S]?: S[K]["type"] extends "string" ? string : true;
};

/** What is wrong with one argument. */
export type FlagProblem =
  /** `--name` is not a flag of the tool; `arg` is the argument as typed (`--force=1`). */
  | { kind: "unknown"; flag: string; arg: string }
  /** An argument that is not a flag: the tools take none. */
  | { kind: "positional"; arg: string }
  /** A flag that takes a value came last. */
  | { kind: "missing-value"; flag: string }
  /** A switch given a value (`--reset=no`). */
  | { kind: "unexpected-value"; flag: string; arg: string };

/**
 * Reads `args` (`--name value`, `--name=value`, `--switch`; the last of a repeated flag wins).
 *
 * @param fail turns a problem into the error to throw
 * @throws whatever `fail` returns, for the first bad argument
 */
export function readFlags<const S extends FlagSpec>(
  args: readonly string[],
  spec: S,
  fail: (problem: FlagProblem) => Error,
): FlagValues<S> {
  const { tokens } = parseArgs({
    args: [...args],
    options: spec,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string | true> = {};
  for (const token of tokens) {
    if (token.kind === "positional") throw fail({ kind: "positional", arg: token.value });
    if (token.kind === "option-terminator") throw fail({ kind: "positional", arg: "--" });
    const flag = token.rawName;
    const type = Object.hasOwn(spec, token.name) ? spec[token.name].type : undefined;
    if (type === undefined || !flag.startsWith("--")) {
      throw fail({ kind: "unknown", flag, arg: args[token.index] });
    }
    if (type === "boolean") {
      if (token.value !== undefined) throw fail({ kind: "unexpected-value", flag, arg: args[token.index] });
      values[token.name] = true;
    } else {
      if (token.value === undefined) throw fail({ kind: "missing-value", flag });
      values[token.name] = token.value;
    }
  }
  return values as FlagValues<S>;
}
