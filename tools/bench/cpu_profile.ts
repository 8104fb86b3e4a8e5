/**
 * Summarises a V8 CPU profile (the inspector's `Profiler.stop` result, a `.cpuprofile`): self time per
 * function and per file, as shares of the sampled time. Pure.
 *
 * @module
 */

/** The parts of a V8 CPU profile this reads. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  samples: number[];
}

/** Where a sample's time went: the file, shortened to what tells it apart. */
function shortUrl(url: string): string {
  if (url === "") return "(native)";
  const npm = url.match(/registry\.npmjs\.org\/(@?[^/]+(?:\/[^/@]+)?)\/[^/]+\/(.*)$/);
  if (npm) return `npm:${npm[1]}/${npm[2]}`;
  const repo = url.match(/\/(supabase\/functions\/.*|tools\/.*)$/);
  if (repo) return repo[1];
  return url.replace(/^file:\/\//, "").replace(/^ext:/, "ext:");
}

function table(title: string, totals: Map<string, number>, all: number, top: number): string {
  const rows = [...totals].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = rows.map(([name, n]) => `${(100 * n / all).toFixed(1).padStart(5)}%  ${name}`);
  return [`${title} (self time, ${all} samples)`, ...lines].join("\n");
}

/** The `top` functions and files by self time, as text. */
export function summarizeProfile(profile: CpuProfile, options: { top?: number } = {}): string {
  const top = options.top ?? 30;
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = byId.get(id);
    if (!frame) continue;
    const file = shortUrl(frame.url);
    const fn = `${frame.functionName || "(anonymous)"}  ${file}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + 1);
    byFile.set(file, (byFile.get(file) ?? 0) + 1);
  }
  const all = profile.samples.length;
  return `${table("Functions", byFunction, all, top)}\n\n${table("Files", byFile, all, top)}`;
}
