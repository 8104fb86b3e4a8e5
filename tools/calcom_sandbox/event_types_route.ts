/**
 * `GET /v2/event-types` with `cal-api-version: 2024-06-14` (write-endpoints §7): auth optional. With a
 * key and no query, every personal event type of the key's owner; `username` (and `eventSlug`) names
 * someone's; no key and no query gives `[]`. Items are `EventTypeOutput_2024_06_14`: no
 * `requiresConfirmation` boolean but a `confirmationPolicy` object, and `seats` as an object.
 *
 * @module
 */

import type { Handler, RouteContext } from "./route_context.ts";
import type { EventTypeRecord } from "./store.ts";

/** API location objects for the sandbox's raw event-type locations (write-endpoints §2.2). */
function locationOutput(location: string): Record<string, unknown> {
  const integrations: Record<string, string> = {
    "integrations:daily": "cal-video",
    "integrations:google:meet": "google-meet",
    "integrations:zoom": "zoom",
    "integrations:office365_video": "office365-video",
  };
  if (integrations[location]) return { type: "integration", integration: integrations[location] };
  if (/^https?:\/\//.test(location)) return { type: "link", link: location };
  return { type: "address", address: location, public: true };
}

/** One event type in API shape. */
export function toEventTypeOutput(ctx: RouteContext, e: EventTypeRecord): Record<string, unknown> {
  const owner = ctx.store.users.get(e.userId);
  return {
    id: e.id,
    ownerId: e.userId,
    lengthInMinutes: e.length,
    title: e.title,
    slug: e.slug,
    description: e.description,
    locations: [locationOutput(e.location)],
    bookingFields: [],
    disableGuests: false,
    slotInterval: null,
    minimumBookingNotice: 0,
    beforeEventBuffer: 0,
    afterEventBuffer: 0,
    recurrence: e.recurringCount === null
      ? null
      : { interval: 1, occurrences: e.recurringCount, frequency: "weekly" },
    metadata: {},
    price: e.price,
    currency: e.currency,
    lockTimeZoneToggleOnBookingPage: false,
    seatsPerTimeSlot: e.seatsPerTimeSlot,
    forwardParamsSuccessRedirect: null,
    successRedirectUrl: null,
    isInstantEvent: false,
    seatsShowAvailabilityCount: e.seatsPerTimeSlot === null ? null : true,
    scheduleId: owner?.defaultScheduleId ?? null,
    hidden: false,
    bookingRequiresAuthentication: false,
    confirmationPolicy: e.requiresConfirmation
      ? { type: "always", blockUnconfirmedBookingsInBooker: true }
      : { disabled: true },
    seats: e.seatsPerTimeSlot === null ? { disabled: true } : {
      seatsPerTimeSlot: e.seatsPerTimeSlot,
      showAttendeeInfo: e.seatsShowAttendees,
      showAvailabilityCount: true,
    },
    disableCancelling: { disabled: false },
    disableRescheduling: { disabled: false },
    users: owner ? [{ id: owner.id, name: owner.name, username: owner.username }] : [],
    bookingUrl: owner ? `https://cal.com/${owner.username}/${e.slug}` : null,
  };
}

/** `GET /v2/event-types`. Unknown query parameters are stripped by the global pipe, not refused. */
export const listEventTypes: Handler = (ctx, req) => {
  const username = req.query.get("username");
  const eventSlug = req.query.get("eventSlug");
  let types: EventTypeRecord[];
  if (username !== null) {
    const owner = [...ctx.store.users.values()].find((u) => u.username === username);
    types = owner ? ctx.store.eventTypesOf(owner.id) : [];
    if (eventSlug !== null) types = types.filter((e) => e.slug === eventSlug);
  } else {
    types = req.user ? ctx.store.eventTypesOf(req.user.id) : [];
  }
  if (req.query.get("sortCreatedAt") === "desc") types = [...types].reverse();
  return { status: 200, data: types.map((e) => toEventTypeOutput(ctx, e)) };
};
