/**
 * Whether an event type id names one of the connected account's own event types: slots and bookings are
 * offered only for those (Cal.com itself would book anyone's public event type by id).
 *
 * @module
 */
import type { CalcomClient } from "../_shared/calcom/client.ts";
import type { CalcomEventType } from "../_shared/calcom/scheduling_schemas.ts";
import { apiError } from "../_shared/platform/http.ts";
import { calcomRefusal } from "./calcom_refusal.ts";

/**
 * The account's event type `eventTypeId`.
 *
 * @throws {import("../_shared/platform/api_error.ts").ApiError} 404 when the account has no such event
 * type; Cal.com's failures as {@linkcode calcomRefusal} maps them
 */
export async function ownEventType(client: CalcomClient, eventTypeId: number): Promise<CalcomEventType> {
  let eventTypes: CalcomEventType[];
  try {
    eventTypes = await client.listEventTypes();
  } catch (err) {
    throw calcomRefusal(err);
  }
  const found = eventTypes.find((e) => e.id === eventTypeId);
  if (!found) {
    throw apiError(
      404,
      "not_found",
      `Event type ${eventTypeId} is not one of this Cal.com account's event types`,
      {
        reason: "event_type_not_found",
      },
    );
  }
  return found;
}
