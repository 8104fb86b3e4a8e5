/**
 * Memory of another process from Linux's `/proc/<pid>/status`: the resident set now (`VmRSS`) and its
 * high-water mark since the process started (`VmHWM`), which the kernel keeps exactly, so no sampling
 * can miss a short peak.
 *
 * @module
 */

/** Resident memory of a process, in bytes. */
export interface ProcMemory {
  rssBytes: number;
  peakRssBytes: number;
}

/** Reads `VmRSS` and `VmHWM` (kB) out of the text of `/proc/<pid>/status`. */
export function parseProcStatus(text: string): ProcMemory {
  const kb = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB$`, "m").exec(text);
    if (!match) throw new Error(`Cannot read ${name} from /proc status: field missing`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: kb("VmRSS"), peakRssBytes: kb("VmHWM") };
}

/** Reads the memory of `pid` now. */
export async function readProcMemory(pid: number): Promise<ProcMemory> {
  return parseProcStatus(await Deno.readTextFile(`/proc/${pid}/status`));
}
