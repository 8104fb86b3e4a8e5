/**
 * The pure parts of the cold-start benchmark: the median of repeated timings, and the size of a module
 * graph as `deno info --json` describes it.
 *
 * @module
 */

/** The median of `values` (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The part of `deno info --json` this reads. */
export interface DenoInfo {
  modules: { kind?: string; specifier: string; size?: number }[];
}

/** How big a module graph is: the modules Deno loads from source, and the npm packages it enters. */
export interface ModuleGraphSize {
  /** ES modules (ours and any remote ones), with their source bytes. */
  modules: number;
  bytes: number;
  /** npm packages entered, as `name@version` (their files are not listed by `deno info`). */
  npmPackages: string[];
  /** Built-in `node:` modules imported. */
  nodeBuiltins: string[];
}

/** Sums a `deno info --json` graph. */
export function moduleGraphSize(info: DenoInfo): ModuleGraphSize {
  let modules = 0;
  let bytes = 0;
  const npm = new Set<string>();
  const node = new Set<string>();
  for (const m of info.modules) {
    if (m.kind === "esm") {
      modules++;
      bytes += m.size ?? 0;
    } else if (m.kind === "npm") {
      // npm:/hono@4.13.19/cors → hono@4.13.19; npm:/@scope/name@1.0.0/x → @scope/name@1.0.0
      const path = m.specifier.replace(/^npm:\/?/, "").split("/");
      npm.add(path[0].startsWith("@") ? `${path[0]}/${path[1]}` : path[0]);
    } else if (m.kind === "node") {
      node.add(m.specifier);
    }
  }
  return { modules, bytes, npmPackages: [...npm].sort(), nodeBuiltins: [...node].sort() };
}
