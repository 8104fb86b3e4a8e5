/**
 * What `npm test` needs beyond `npm ci`, checked before any step runs, so a machine that lacks one stops at
 * once with one line naming it and the command that installs it instead of failing deep inside a test.
 *
 * @module
 */
import postgres from "postgres";

/** A missing prerequisite: what is missing and how to get it. */
export interface Missing {
  what: string;
  fix: string;
}

const APT = "apt-get install postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl faketime";

/** Whether `command` is an executable on `path`. */
async function onPath(command: string, path: string): Promise<boolean> {
  for (const dir of path.split(":").filter(Boolean)) {
    const info = await Deno.stat(`${dir}/${command}`).catch(() => null);
    if (info?.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return true;
  }
  return false;
}

/**
 * Checks the PostgreSQL server at `databaseUrl` (answering, pgTAP available) and the commands the steps
 * run (`pg_prove`, `faketime`) and Chromium for the browser tests. `needs` names what the selected steps use.
 */
export async function findMissing(
  options: {
    databaseUrl: string;
    path: string;
    needs: { postgres?: boolean; pgtap?: boolean; faketime?: boolean; chromium?: boolean };
    /** The browser the UI tests drive (default Debian's /usr/bin/chromium). */
    chromiumPath?: string;
  },
): Promise<Missing[]> {
  const { needs } = options;
  const missing: Missing[] = [];
  if (needs.postgres || needs.pgtap) {
    const sql = postgres(options.databaseUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      const [row] = await sql<{ pgtap: boolean }[]>`
        select exists (select from pg_available_extensions where name = 'pgtap') as pgtap`;
      if (needs.pgtap && !row.pgtap) {
        missing.push({ what: "the pgTAP extension on the PostgreSQL server", fix: APT });
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      missing.push({
        what: `a PostgreSQL 15+ server at DATABASE_URL (${redactUrl(options.databaseUrl)}): ${reason}`,
        fix: "start one (Debian: pg_ctlcluster 15 main start) or set DATABASE_URL",
      });
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
  if (needs.pgtap && !await onPath("pg_prove", options.path)) missing.push({ what: "pg_prove", fix: APT });
  if (needs.faketime && !await onPath("faketime", options.path)) missing.push({ what: "faketime", fix: APT });
  if (needs.chromium) {
    const chromium = options.chromiumPath ?? "/usr/bin/chromium";
    const info = await Deno.stat(chromium).catch(() => null);
    if (!info?.isFile) {
      missing.push({
        what: `Chromium at ${chromium} (the UI tests' browser)`,
        fix: "apt-get install chromium",
      });
    }
  }
  return missing;
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.href;
  } catch {
    return "an unparsable URL";
  }
}
