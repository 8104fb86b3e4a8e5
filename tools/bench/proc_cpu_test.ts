import assert from "node:assert/strict";
import { backendCpuBetween, parseProcStat, readProcCpuSeconds } from "./proc_cpu.ts";

Deno.test("proc stat gives user plus system time in seconds, whatever the command name holds", () => {
  const text = "1234 (deno (worker) x) S 1 1234 1234 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 12 0 100 1 1";
  assert.equal(parseProcStat(text), 3);
});

Deno.test("proc stat of an unexpected shape is reported", () => {
  assert.throws(() => parseProcStat("1 (x) S"), /Cannot read CPU times/);
});

Deno.test("this process has used some CPU and a missing process none", async () => {
  assert.ok(await readProcCpuSeconds(Deno.pid) > 0);
  assert.equal(await readProcCpuSeconds(2 ** 30), 0);
});

Deno.test("backend CPU between two readings counts new backends from zero", () => {
  const before = new Map([[1, 2], [2, 5]]);
  const after = new Map([[1, 3.5], [2, 5], [3, 0.25]]);
  assert.equal(backendCpuBetween(before, after), 1.75);
});
