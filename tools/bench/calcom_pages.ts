/**
 * Reads every booking of a sandbox user page by page over HTTP, as a plain client would (offset paging,
 * `take=250`, `sortUpdatedAt=asc`), timing the sandbox apart from what is done with each page. It gives
 * the sync benchmark its database limit rows and tells whether the sandbox could be the bottleneck.
 *
 * @module
 */
import {
  type ApiBooking,
  BookingListResponseSchema,
} from "../../supabase/functions/_shared/calcom/schemas.ts";
import { bookingsApiVersion } from "../../supabase/functions/_shared/calcom/transport.ts";

/** Sandbox-side figures of a read. */
export interface PagesRead {
  requests: number;
  bookings: number;
  /** Time spent waiting for the sandbox (request to last body byte). */
  sandboxSeconds: number;
  /** Largest page body, in bytes. */
  largestPageBytes: number;
}

/**
 * Fetches pages until the last one, calling `onPage` with each parsed page (its time is not counted
 * as the sandbox's). `query` replaces the default `sortUpdatedAt=asc` (e.g. with a `status` filter).
 */
export async function readAllPages(
  options: { baseUrl: string; apiKey: string; take?: number; query?: Record<string, string> },
  onPage: (bookings: ApiBooking[]) => Promise<void> | void,
): Promise<PagesRead> {
  const take = options.take ?? 250;
  const read: PagesRead = { requests: 0, bookings: 0, sandboxSeconds: 0, largestPageBytes: 0 };
  for (let skip = 0;;) {
    const url = new URL(`${options.baseUrl}/v2/bookings`);
    for (const [k, v] of Object.entries(options.query ?? { sortUpdatedAt: "asc" })) {
      url.searchParams.set(k, v);
    }
    url.searchParams.set("take", String(take));
    url.searchParams.set("skip", String(skip));
    const started = performance.now();
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${options.apiKey}`, "cal-api-version": bookingsApiVersion },
    });
    const text = await res.text();
    read.sandboxSeconds += (performance.now() - started) / 1000;
    read.requests++;
    if (!res.ok) throw new Error(`Cannot read bookings: GET ${url.pathname} answered ${res.status}`);
    read.largestPageBytes = Math.max(read.largestPageBytes, text.length);
    const page = BookingListResponseSchema.parse(JSON.parse(text));
    read.bookings += page.data.length;
    await onPage(page.data);
    skip += page.data.length;
    if (!page.pagination.hasNextPage || page.data.length === 0) return read;
  }
}
