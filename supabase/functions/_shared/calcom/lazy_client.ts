/**
 * A Cal.com client whose code (`client.ts` with its transport, rate limiter and zod schemas) is imported
 * on its first call rather than when a function starts: most first requests (a webhook delivery, a read
 * of stored bookings, the connection list) never call Cal.com, and the import is a noticeable part of a
 * cold start (docs/benchmarks.md). It behaves as `createCalcomClient`'s client: a bad API key is refused
 * when the client is made, each method forwards to one client made on first use (so the rate-limit
 * state and the OAuth token source are shared as before).
 *
 * @module
 */
import { assertHeaderSafeApiKey } from "./api_key.ts";
import type { BookingFilters, BookingPage, CalcomClient, CalcomClientOptions } from "./client.ts";

type ClientModule = typeof import("./client.ts");
let clientModule: Promise<ClientModule> | undefined;

function loadClientModule(): Promise<ClientModule> {
  return clientModule ??= import("./client.ts").catch((err) => {
    clientModule = undefined;
    throw err;
  });
}

/** `createCalcomClient(options)`, its module imported on the first call of a method. */
export function createLazyCalcomClient(options: CalcomClientOptions): CalcomClient {
  assertHeaderSafeApiKey(options.apiKey);
  let client: CalcomClient | undefined;
  const real = async () => client ??= (await loadClientModule()).createCalcomClient(options);
  return {
    me: async () => (await real()).me(),
    async *listBookings(filters?: BookingFilters): AsyncGenerator<BookingPage, void, undefined> {
      yield* (await real()).listBookings(filters);
    },
    getBooking: async (uid) => (await real()).getBooking(uid),
    cancelBooking: async (uid, input) => (await real()).cancelBooking(uid, input),
    rescheduleBooking: async (uid, input) => (await real()).rescheduleBooking(uid, input),
    confirmBooking: async (uid) => (await real()).confirmBooking(uid),
    declineBooking: async (uid, input) => (await real()).declineBooking(uid, input),
    markBookingAbsent: async (uid, input) => (await real()).markBookingAbsent(uid, input),
    createWebhook: async (input) => (await real()).createWebhook(input),
    listWebhooks: async () => (await real()).listWebhooks(),
    findWebhookByUrl: async (url) => (await real()).findWebhookByUrl(url),
    deleteWebhook: async (id) => (await real()).deleteWebhook(id),
    listEventTypes: async () => (await real()).listEventTypes(),
    getSlots: async (query) => (await real()).getSlots(query),
    createBooking: async (input) => (await real()).createBooking(input),
  };
}
