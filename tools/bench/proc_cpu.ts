/**
 * CPU time of processes from Linux's `/proc/<pid>/stat`, to tell where a benchmark's CPU went (the
 * server, its database backends, the sandbox) when throughput alone cannot say why.
 *
 * @module
 */
import postgres from "postgres";
import { adminUrl } from "../db/test_database.ts";

/** Clock ticks per second of `/proc` times (USER_HZ, 100 on every Linux ABI Deno runs on). */
const TICKS_PER_SECOND = 100;

/** User plus system CPU seconds out of the text of `/proc/<pid>/stat`. */
export function parseProcStat(text: string): number {
  // the command name (field 2) may hold spaces and parentheses: count fields after the last ")"
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error("Cannot read CPU times from /proc stat: unexpected format");
  }
  return (utime + stime) / TICKS_PER_SECOND;
}

/** CPU seconds `pid` has used so far; 0 when it is gone. */
export async function readProcCpuSeconds(pid: number): Promise<number> {
  try {
    return parseProcStat(await Deno.readTextFile(`/proc/${pid}/stat`));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return 0;
    throw err;
  }
}

/**
 * CPU seconds used so far by every Postgres backend connected to `database`, by pid. It asks from the
 * admin database, so none of the counted backends is the asking one. The server must run on this machine.
 */
export async function databaseBackendCpu(database: string): Promise<Map<number, number>> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${database}`;
    const out = new Map<number, number>();
    for (const { pid } of rows) out.set(pid, await readProcCpuSeconds(pid));
    return out;
  } finally {
    await sql.end();
  }
}

/** CPU seconds the backends used between two readings (backends that appeared count from zero). */
export function backendCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}
