import assert from "node:assert/strict";
import { parseProcStatus, readProcMemory } from "./proc_memory.ts";

const STATUS = `Name:\tdeno
VmPeak:\t 1000000 kB
VmHWM:\t  204800 kB
VmRSS:\t  102400 kB
Threads:\t12
`;

Deno.test("proc status gives the resident set and its high-water mark in bytes", () => {
  assert.deepEqual(parseProcStatus(STATUS), { rssBytes: 100 * 1024 * 1024, peakRssBytes: 200 * 1024 * 1024 });
});

Deno.test("proc status without VmHWM is reported by field name", () => {
  assert.throws(() => parseProcStatus("VmRSS:\t 1 kB\n"), /Cannot read VmHWM from \/proc status/);
});

Deno.test("this process's peak resident set is at least its current one", async () => {
  const memory = await readProcMemory(Deno.pid);
  assert.ok(memory.rssBytes > 0);
  assert.ok(memory.peakRssBytes >= memory.rssBytes);
});
