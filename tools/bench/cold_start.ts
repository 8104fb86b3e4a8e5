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
  roots?: string[];
  redirects?: Record<string, string>;
  modules: {
    kind?: string;
    specifier: string;
    size?: number;
    dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
  }[];
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

/**
 * The part of the graph loaded before the first line of the entry runs: the modules reached from the
 * roots through static imports only (a dynamic `import()` loads its module when it runs). Type-only
 * imports are not followed (`deno info` lists them without `code`).
 */
export function staticGraph(info: DenoInfo): DenoInfo {
  const redirects = info.redirects ?? {};
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const stack = [...(info.roots ?? [])];
  while (stack.length) {
    const specifier = stack.pop()!;
    const resolved = redirects[specifier] ?? specifier;
    if (seen.has(resolved)) continue;
    seen.add(resolved);
    for (const dep of bySpecifier.get(resolved)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) stack.push(dep.code.specifier);
    }
  }
  return { ...info, modules: info.modules.filter((m) => seen.has(m.specifier)) };
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
