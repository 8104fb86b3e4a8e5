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

/** The client's methods that answer a promise (all but the `listBookings` generator). */
type AsyncMethod = Exclude<keyof CalcomClient, "listBookings">;

/** `createCalcomClient(options)`, its module imported on the first call of a method. */
export function createLazyCalcomClient(options: CalcomClientOptions): CalcomClient {
  assertHeaderSafeApiKey(options.apiKey);
  let client: CalcomClient | undefined;
  const real = async () => client ??= (await loadClientModule()).createCalcomClient(options);
  // Every argument is passed on as given, so a method's options (a read's `onReadAt`, say) are never lost.
  const forward = <K extends AsyncMethod>(key: K): CalcomClient[K] =>
    (async (...args: unknown[]) => {
      const method = (await real())[key] as (...a: unknown[]) => Promise<unknown>;
      return await method(...args);
    }) as CalcomClient[K];
  return {
    me: forward("me"),
    async *listBookings(filters?: BookingFilters): AsyncGenerator<BookingPage, void, undefined> {
      yield* (await real()).listBookings(filters);
    },
    listBookingsByCursor: forward("listBookingsByCursor"),
    getBooking: forward("getBooking"),
    cancelBooking: forward("cancelBooking"),
    rescheduleBooking: forward("rescheduleBooking"),
    confirmBooking: forward("confirmBooking"),
    declineBooking: forward("declineBooking"),
    markBookingAbsent: forward("markBookingAbsent"),
    createWebhook: forward("createWebhook"),
    listWebhooks: forward("listWebhooks"),
    findWebhookByUrl: forward("findWebhookByUrl"),
    deleteWebhook: forward("deleteWebhook"),
    listEventTypes: forward("listEventTypes"),
    getSlots: forward("getSlots"),
    createBooking: forward("createBooking"),
  };
}
