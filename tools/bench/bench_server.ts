/**
 * The serving side of a benchmark subprocess: serves a handler on 127.0.0.1 like `Deno.serve` in
 * production, samples its own memory, and answers the harness on a second (control) port so that no
 * benchmark request pays for an extra route check. Both ports go to the file named by `BENCH_PORT_FILE`.
 *
 * @module
 */

/** Peaks of `Deno.memoryUsage()` seen by the sampler since the last reset, in bytes. */
export interface MemoryPeaks {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  samples: number;
}

/** Samples `Deno.memoryUsage()` every `intervalMs` and keeps the peaks. */
export function startMemorySampler(intervalMs = 50): {
  read(): MemoryPeaks;
  reset(): void;
  stop(): void;
} {
  let peaks: MemoryPeaks = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, samples: 0 };
  const sample = () => {
    const m = Deno.memoryUsage();
    peaks = {
      rss: Math.max(peaks.rss, m.rss),
      heapUsed: Math.max(peaks.heapUsed, m.heapUsed),
      heapTotal: Math.max(peaks.heapTotal, m.heapTotal),
      external: Math.max(peaks.external, m.external),
      samples: peaks.samples + 1,
    };
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    read: () => {
      sample();
      return peaks;
    },
    reset: () => {
      peaks = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, samples: 0 };
      sample();
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Serves `handler` and a control server (`GET /memory`, `POST /reset`, `POST /live-heap`), then writes
 * `<port> <control port>` to `BENCH_PORT_FILE`. `POST /reset` also resets the kernel's peak RSS of
 * this process (`/proc/self/clear_refs`), so one process can measure phases one after another.
 */
export function serveForBench(handler: (request: Request) => Response | Promise<Response>): void {
  const portFile = Deno.env.get("BENCH_PORT_FILE");
  if (!portFile) throw new Error("BENCH_PORT_FILE is required: the harness reads the ports from it");
  const sampler = startMemorySampler();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const control = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/memory") return Response.json(sampler.read());
    if (path === "/live-heap" && request.method === "POST") {
      // what is still reachable: only with --expose-gc (the harness asks for it where it needs this)
      const gc = (globalThis as { gc?: () => void }).gc;
      if (!gc) {
        return Response.json({ error: "Run with --v8-flags=--expose-gc to measure the live heap" }, {
          status: 409,
        });
      }
      gc();
      return Response.json({ heapUsed: Deno.memoryUsage().heapUsed });
    }
    if (path === "/reset" && request.method === "POST") {
      sampler.reset();
      try {
        await Deno.writeTextFile("/proc/self/clear_refs", "5");
      } catch {
        // not Linux, or not allowed: VmHWM then counts from the start of the process
      }
      return Response.json(sampler.read());
    }
    return new Response("Not found", { status: 404 });
  });
  // write, then rename: the harness never reads a half-written file
  Deno.writeTextFileSync(`${portFile}.tmp`, `${server.addr.port} ${control.addr.port}`);
  Deno.renameSync(`${portFile}.tmp`, portFile);
}
