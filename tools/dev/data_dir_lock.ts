/**
 * One dev server per data folder: two PGlite instances writing the same folder would corrupt it. The
 * lock is a file holding the owner's pid; a lock whose process is gone (a crash, `kill -9`) is taken over.
 *
 * @module
 */

/** A held lock. */
export interface DataDirLock {
  path: string;
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    // SIGCONT changes nothing for a running process; it only tells whether the pid exists.
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return err instanceof Deno.errors.PermissionDenied;
  }
}

/**
 * Takes the lock of `dataDir` (created when missing).
 *
 * @throws {Error} when a running process holds it
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await Deno.mkdir(dataDir, { recursive: true });
  const path = `${dataDir.replace(/\/+$/, "")}/dev_server.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await Deno.writeTextFile(path, `${Deno.pid}\n`, { createNew: true });
      return {
        path,
        async release() {
          await Deno.remove(path).catch(() => {});
        },
      };
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
    const pid = Number((await Deno.readTextFile(path).catch(() => "")).trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new Error(
        `Another dev server (pid ${pid}) uses ${dataDir}: stop it, or give this one its own --data-dir ` +
          `(delete ${path} if that process is not a dev server)`,
      );
    }
    await Deno.remove(path).catch(() => {});
  }
  throw new Error(`Cannot lock ${dataDir}: ${path} keeps coming back`);
}
