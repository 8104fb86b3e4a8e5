/**
 * Subprocess entry: the sweep benchmark's limit. `POST /run` with `{calcomUrl, workers, connections}`
 * brings each connection current the least a client can: `workers` loops at once, each taking the next
 * connection, reading its bookings changed since its watermark (`GET /v2/bookings`, the sync's query,
 * every page parsed as the sync parses it) and making one minimal write, an autocommit `UPDATE` of the
 * connection's schedule row. Answers `{seconds, requests}`. The pool is the product's (`prepare: false`,
 * one connection per loop), the database `BARE_SWEEP_DB_URL`.
 *
 * @module
 */
import postgres from "postgres";
import { readAllPages } from "./calcom_pages.ts";
import { serveForBench } from "./bench_server.ts";

/** One connection to bring current. */
export interface BareSweepConnection {
  connectionId: string;
  apiKey: string;
  /** The connection's watermark (ISO), read inclusively as the incremental sync reads it. */
  afterUpdatedAt: string;
}

/** `POST /run`'s body. */
export interface BareSweepRequest {
  calcomUrl: string;
  workers: number;
  connections: BareSweepConnection[];
}

/** `POST /run`'s answer. */
export interface BareSweepAnswer {
  seconds: number;
  requests: number;
}

async function run(sql: postgres.Sql, body: BareSweepRequest): Promise<BareSweepAnswer> {
  let next = 0;
  let requests = 0;
  const loop = async () => {
    for (let i = next++; i < body.connections.length; i = next++) {
      const c = body.connections[i];
      const read = await readAllPages({
        baseUrl: body.calcomUrl,
        apiKey: c.apiKey,
        query: { afterUpdatedAt: c.afterUpdatedAt, sortUpdatedAt: "asc" },
      }, () => {});
      requests += read.requests;
      await sql`update public.calcom_sync_schedule set last_run_at = now()
                where calcom_connection_id = ${c.connectionId}`;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: body.workers }, loop));
  return { seconds: (performance.now() - started) / 1000, requests };
}

if (import.meta.main) {
  const url = Deno.env.get("BARE_SWEEP_DB_URL");
  if (!url) throw new Error("BARE_SWEEP_DB_URL is required");
  let sql: postgres.Sql | undefined;
  serveForBench(async (request) => {
    if (new URL(request.url).pathname !== "/run" || request.method !== "POST") {
      return new Response("Not found", { status: 404 });
    }
    const body = await request.json() as BareSweepRequest;
    sql ??= postgres(url, { max: body.workers, prepare: false, onnotice: () => {} });
    return Response.json(await run(sql, body));
  });
}
