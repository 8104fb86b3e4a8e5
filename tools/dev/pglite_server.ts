/**
 * An embedded Postgres for the dev server: PGlite (Postgres compiled to WebAssembly) kept in a local
 * folder, served over the Postgres wire protocol by pglite-socket so postgres.js, psql or any GUI can
 * connect to it.
 *
 * PGlite runs one query at a time. pglite-socket queues queries from several connections, but a
 * postgres.js pool with `max` above 1 hangs on it: every pool on it must use `max: 1`.
 *
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** A running embedded Postgres. */
export interface EmbeddedPostgres {
  /** postgres:// URL of the socket server (user and password are ignored by PGlite). */
  url: string;
  port: number;
  /** Where the data lives; undefined for an in-memory database. */
  dataDir?: string;
  /** Stops the socket server (dropping its connections) and closes PGlite, flushing it to disk. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Where and how to run it. */
export interface EmbeddedPostgresOptions {
  /** A folder for the data (created when missing); in memory when omitted. */
  dataDir?: string;
  /** Delete the folder's database first (only a folder that holds a PGlite database, or nothing). */
  reset?: boolean;
  /** TCP port on 127.0.0.1; 0 picks a free one. When the port is taken, `fallbackToFreePort` decides. */
  port?: number;
  /** Use a free port when `port` is taken instead of failing. */
  fallbackToFreePort?: boolean;
  /** Connections served at once (the functions' pool takes one; the rest are for psql and friends). */
  maxConnections?: number;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** Deletes a PGlite data folder, refusing anything that does not look like one. */
export async function resetDataDir(dataDir: string): Promise<void> {
  if (!await exists(dataDir)) return;
  const entries: string[] = [];
  for await (const entry of Deno.readDir(dataDir)) entries.push(entry.name);
  if (entries.length > 0 && !entries.includes("PG_VERSION")) {
    throw new Error(
      `Cannot reset ${dataDir}: it is not a PGlite data folder (no PG_VERSION), left untouched`,
    );
  }
  await Deno.remove(dataDir, { recursive: true });
}

/** Whether a TCP port on 127.0.0.1 is free right now (checked before the slow PGlite start). */
export function isPortFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) return false;
    throw err;
  }
}

/** Starts PGlite (restoring the folder's data when there is some) and its socket server. */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const { dataDir } = options;
  if (dataDir) {
    if (options.reset) await resetDataDir(dataDir);
    await Deno.mkdir(dataDir, { recursive: true });
  }
  let port = options.port ?? 0;
  if (port !== 0 && !isPortFree(port)) {
    if (!options.fallbackToFreePort) {
      throw new Error(`Cannot start the embedded database: port ${port} is in use`);
    }
    port = 0;
  }
  const db = await PGlite.create(dataDir ? { dataDir } : {});
  const server = new PGLiteSocketServer({
    db,
    host: "127.0.0.1",
    port,
    maxConnections: options.maxConnections ?? 8,
  });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  const conn = server.getServerConn();
  port = Number(conn.slice(conn.lastIndexOf(":") + 1));
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      await server.stop();
      await db.close();
    })();
  return {
    url: `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    close,
    [Symbol.asyncDispose]: close,
  };
}
