/**
 * Benchmark, reads: `GET /calcom-bookings-sync?fromDb=true` walked through its whole keyset cursor, in
 * pages of 50 and of 250, for one user holding N bookings (seeded straight into Postgres with
 * `direct_upsert.ts`), against the limit: the same keyset query (`readBookings` of `bookings_query.ts`,
 * in a user transaction under RLS as the function runs it) sent straight to Postgres from this process
 * over the same kind of pool (`createDb`, pool of 4, `prepare: false`). Both walk one page after the
 * other, each page's cursor taken from the one before. Measured: pages/s and rows/s of both, and the
 * function process's resident memory before the walk and its peak during it (kernel `VmHWM`, reset just
 * before), which a page bounds: it must not grow with the rows walked.
 *
 * @module
 */
import type { BookingRow } from "../../supabase/functions/_shared/bookings/booking_row.ts";
import { createDb } from "../../supabase/functions/_shared/platform/db.ts";
import { randomEncryptionKey } from "../../supabase/functions/_shared/platform/secret_box.ts";
import { decodeCursor, readBookings } from "../../supabase/functions/calcom-bookings-sync/bookings_query.ts";
import { createTestDatabase } from "../db/test_database.ts";
import { signTestJwt } from "../testing/jwt.ts";
import { createBenchConnection, functionEnv } from "./bench_connection.ts";
import { type BenchProcess, startFunctionProcess } from "./bench_process.ts";
import { upsertPage } from "./direct_upsert.ts";
import { POOL_MAX } from "./webhook_server.ts";

/** One walk through every page. */
export interface ReadWalk {
  pages: number;
  rows: number;
  seconds: number;
  pagesPerSecond: number;
  rowsPerSecond: number;
}

/** One page size: the function against the limit. */
export interface ReadsPageSizeResult {
  pageSize: number;
  function: ReadWalk & {
    /** Resident memory of the function process before the walk, and its peak during it. */
    baselineRssBytes: number;
    peakRssBytes: number;
    peakHeapUsedBytes: number;
    /** Largest answer body of the walk, in bytes. */
    largestPageBytes: number;
  };
  limit: ReadWalk;
  /** function rows/s ÷ limit rows/s. */
  ratio: number;
}

/** Result of the reads benchmark. */
export interface ReadsBenchResult {
  bookings: number;
  seedSeconds: number;
  sizes: ReadsPageSizeResult[];
}

/** Options of {@linkcode runReadsBench}. */
export interface ReadsBenchOptions {
  bookings: number;
  pageSizes: number[];
  log: (line: string) => void;
}

const BASE_START = Date.parse("2026-01-05T08:00:00.000Z");
const STATUSES = ["ACCEPTED", "ACCEPTED", "ACCEPTED", "PENDING", "CANCELLED", "REJECTED"] as const;

/** Booking `i` of the seeded history: a 30-minute booking with two attendees, as the sync stores it. */
export function seededBookingRow(i: number): BookingRow {
  const uid = `read${String(i).padStart(7, "0")}`;
  // several bookings share a start time, so the keyset's id tie-breaker is walked too
  const start = BASE_START + Math.floor(i / 3) * 30 * 60_000;
  return {
    booking_id: 2_000_000 + i,
    booking_uid: uid,
    event_type_id: 9001,
    event_type_slug: "intro-call",
    event_type_title: "Intro call",
    title: `Intro call ${i}`,
    description: "Looking forward",
    start_time: new Date(start).toISOString(),
    end_time: new Date(start + 30 * 60_000).toISOString(),
    status: STATUSES[i % STATUSES.length],
    organizer_id: 512,
    organizer_name: "Dana Host",
    organizer_email: "dana@example.com",
    organizer_username: "dana",
    organizer_timezone: "Europe/Berlin",
    attendees: [
      {
        name: "Sam Guest",
        email: `sam${i}@example.org`,
        timeZone: "America/New_York",
        language: "en",
        phoneNumber: null,
      },
      { name: "", email: "pat@example.org", timeZone: "America/New_York", language: "en", phoneNumber: null },
    ],
    location: `https://app.cal.com/video/${uid}`,
    meeting_url: `https://app.cal.com/video/${uid}`,
    custom_inputs: { name: "Sam Guest", email: `sam${i}@example.org`, notes: "Looking forward" },
    metadata: {},
    rescheduled_from_uid: null,
    rescheduled_to_uid: null,
    cancellation_reason: null,
    rejection_reason: null,
    ical_uid: `${uid}@cal.com`,
    recurring_booking_uid: null,
    absent_host: false,
    calcom_created_at: new Date(start - 86_400_000).toISOString(),
    source_updated_at: new Date(start - 3_600_000).toISOString(),
    raw: { uid, title: `Intro call ${i}` },
  };
}

/** Seeds `n` bookings for the owner in statements of 1,000 rows. */
async function seed(
  sql: Parameters<typeof upsertPage>[0],
  owner: { userId: string; connectionId: string },
  n: number,
) {
  for (let from = 0; from < n; from += 1000) {
    const rows: BookingRow[] = [];
    for (let i = from; i < Math.min(n, from + 1000); i++) rows.push(seededBookingRow(i));
    await upsertPage(sql, owner, rows);
  }
}

function walkFigures(pages: number, rows: number, seconds: number): ReadWalk {
  return { pages, rows, seconds, pagesPerSecond: pages / seconds, rowsPerSecond: rows / seconds };
}

async function walkFunction(server: BenchProcess, jwt: string, pageSize: number) {
  let pages = 0;
  let rows = 0;
  let largestPageBytes = 0;
  let cursor: string | null = null;
  const started = performance.now();
  do {
    const url = new URL(`${server.url}/calcom-bookings-sync`);
    url.searchParams.set("fromDb", "true");
    url.searchParams.set("limit", String(pageSize));
    if (cursor) url.searchParams.set("cursor", cursor);
    const res = await fetch(url, { headers: { authorization: `Bearer ${jwt}` } });
    const text = await res.text();
    if (!res.ok) throw new Error(`GET ?fromDb=true answered ${res.status}: ${text.slice(0, 500)}`);
    largestPageBytes = Math.max(largestPageBytes, text.length);
    const page = JSON.parse(text) as { bookings: unknown[]; nextCursor: string | null };
    pages++;
    rows += page.bookings.length;
    cursor = page.nextCursor;
  } while (cursor);
  return { ...walkFigures(pages, rows, (performance.now() - started) / 1000), largestPageBytes };
}

async function walkLimit(
  db: ReturnType<typeof createDb>,
  userId: string,
  pageSize: number,
): Promise<ReadWalk> {
  const user = {
    sub: userId,
    role: "authenticated" as const,
    claims: { sub: userId, role: "authenticated" },
  };
  let pages = 0;
  let rows = 0;
  let after: ReturnType<typeof decodeCursor>;
  const started = performance.now();
  while (true) {
    const page = await db.asUser(user, (tx) => readBookings(tx, { userId, limit: pageSize, after }));
    pages++;
    rows += page.bookings.length;
    if (!page.nextCursor) break;
    after = decodeCursor(page.nextCursor);
  }
  return walkFigures(pages, rows, (performance.now() - started) / 1000);
}

/** Seeds the bookings once, then walks them with each page size: limit and function, mirrored. */
export async function runReadsBench(options: ReadsBenchOptions): Promise<ReadsBenchResult> {
  const { log } = options;
  await using database = await createTestDatabase();
  const encryptionKey = randomEncryptionKey();
  const connection = await createBenchConnection(database.sql, {
    encryptionKey,
    apiKey: "cal_test_bench_reads_key",
    calcomUserId: 1,
  });
  const seedStarted = performance.now();
  await seed(database.sql, connection, options.bookings);
  await database.sql`vacuum analyze public.calcom_bookings`;
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  log(`reads: seeded ${options.bookings} bookings in ${seedSeconds.toFixed(1)} s`);

  await using server = await startFunctionProcess(
    "calcom-bookings-sync",
    functionEnv({ dbUrl: database.url, encryptionKey }),
    { label: "reads-function" },
  );
  const db = createDb(database.url, { max: POOL_MAX });
  try {
    const jwt = await signTestJwt({ sub: connection.userId, expiresIn: 7200 });
    const sizes: ReadsPageSizeResult[] = [];
    for (const [n, pageSize] of options.pageSizes.entries()) {
      const runLimit = async () => {
        const walk = await walkLimit(db, connection.userId, pageSize);
        log(
          `reads: limit, pages of ${pageSize}: ${walk.pages} pages, ${walk.rowsPerSecond.toFixed(0)} rows/s`,
        );
        return walk;
      };
      const runFunction = async () => {
        const before = (await server.memory()).proc.rssBytes;
        await server.resetPeaks();
        const walk = await walkFunction(server, jwt, pageSize);
        const memory = await server.memory();
        log(
          `reads: function, pages of ${pageSize}: ${walk.pages} pages, ${
            walk.rowsPerSecond.toFixed(0)
          } rows/s, ` +
            `peak RSS ${(memory.proc.peakRssBytes / 2 ** 20).toFixed(0)} MiB`,
        );
        return {
          ...walk,
          baselineRssBytes: before,
          peakRssBytes: Math.max(memory.proc.peakRssBytes, memory.inside.rss),
          peakHeapUsedBytes: memory.inside.heapUsed,
        };
      };
      // mirrored over the sizes: limit first, then function first
      let limit: ReadWalk;
      let fn: ReadsPageSizeResult["function"];
      if (n % 2 === 0) {
        limit = await runLimit();
        fn = await runFunction();
      } else {
        fn = await runFunction();
        limit = await runLimit();
      }
      for (const walk of [limit, fn]) {
        if (walk.rows !== options.bookings) {
          throw new Error(`A walk in pages of ${pageSize} read ${walk.rows} of ${options.bookings} bookings`);
        }
      }
      sizes.push({ pageSize, function: fn, limit, ratio: fn.rowsPerSecond / limit.rowsPerSecond });
    }
    return { bookings: options.bookings, seedSeconds, sizes };
  } finally {
    await db.end();
  }
}
