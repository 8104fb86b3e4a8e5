/**
 * Completes package-lock.json with the other platforms' binary packages of the pinned toolchain.
 *
 * The npm registry reachable from these machines serves only the linux-x64 builds of `deno` and
 * `supabase`, so `npm install` writes a lockfile without the other platforms' optional packages, and
 * `npm ci` then refuses it ("Missing: @deno/darwin-arm64@ from lock file"). The entries added here carry
 * what the real registry would record (version, os, cpu, libc); npm skips them on a non-matching platform
 * without fetching anything. Run after changing the toolchain pins: `deno run -A tools/complete_lockfile.ts`.
 *
 * @module
 */

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

const toolchain = ["node_modules/deno", "node_modules/supabase"];

/** Reads the platform from a package name such as `@deno/linux-arm64-glibc` or `@supabase/cli-windows-x64`. */
export function platformOf(name: string): { os: string; cpu: string; libc?: string } {
  const [os, cpu, libc] = name.split("/").pop()!.replace(/^cli-/, "").split("-");
  return { os: os === "windows" ? "win32" : os, cpu, ...(libc ? { libc } : {}) };
}

/** Returns the lockfile's packages with the missing optional platform packages added, sorted like npm. */
export function completeLock(packages: Record<string, LockEntry>): Record<string, LockEntry> {
  const out = { ...packages };
  for (const parent of toolchain) {
    for (const [dep, version] of Object.entries(packages[parent]?.optionalDependencies ?? {})) {
      const key = `node_modules/${dep}`;
      if (out[key]) continue;
      const { os, cpu, libc } = platformOf(dep);
      out[key] = {
        version,
        cpu: [cpu],
        dev: true,
        license: "MIT",
        optional: true,
        os: [os],
        ...(libc ? { libc: [libc] } : {}),
      };
    }
  }
  return Object.fromEntries(
    Object.entries(out).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)),
  );
}

if (import.meta.main) {
  const path = new URL("../package-lock.json", import.meta.url);
  const lock = JSON.parse(await Deno.readTextFile(path));
  lock.packages = completeLock(lock.packages);
  await Deno.writeTextFile(path, JSON.stringify(lock, null, 2) + "\n");
  console.log("package-lock.json completed with the toolchain's platform packages");
}
