/**
 * What the figures were measured on: CPU, memory, load, versions. A benchmark result without its
 * machine and load cannot be compared with another.
 *
 * @module
 */
import postgres from "postgres";
import { adminUrl } from "../db/test_database.ts";

/** The machine and software of a run. */
export interface MachineInfo {
  date: string;
  hostname: string;
  cpuModel: string;
  cores: number;
  memoryMb: number;
  kernel: string;
  deno: string;
  v8: string;
  postgres: string;
  postgresSettings: Record<string, string>;
  loadTool: string;
}

/** `/proc/loadavg`'s 1, 5 and 15 minute load averages. */
export async function loadAverage(): Promise<[number, number, number]> {
  try {
    const [one, five, fifteen] = (await Deno.readTextFile("/proc/loadavg")).split(" ").map(Number);
    return [one, five, fifteen];
  } catch {
    const [one, five, fifteen] = Deno.loadavg();
    return [one, five, fifteen];
  }
}

async function cpuModel(): Promise<string> {
  try {
    const text = await Deno.readTextFile("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(text)?.[1].trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Collects the machine description; `loadTool` is the load generator's version line. */
export async function machineInfo(loadTool: string): Promise<MachineInfo> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ version }] = await sql<{ version: string }[]>`select version()`;
    const settings = await sql<{ name: string; setting: string }[]>`
      select name, setting from pg_settings
      where name in ('shared_buffers', 'synchronous_commit', 'fsync', 'wal_sync_method', 'max_connections')`;
    return {
      date: new Date().toISOString(),
      hostname: Deno.hostname(),
      cpuModel: await cpuModel(),
      cores: navigator.hardwareConcurrency,
      memoryMb: Math.round(Deno.systemMemoryInfo().total / 1024 / 1024),
      kernel: Deno.osRelease(),
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      postgres: version,
      postgresSettings: Object.fromEntries(settings.map((s) => [s.name, s.setting])),
      loadTool,
    };
  } finally {
    await sql.end();
  }
}
