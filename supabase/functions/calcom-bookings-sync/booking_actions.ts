/**
 * Acting on a mirrored booking from the app: cancel, reschedule, confirm, decline, mark absent. Each
 * action finds the booking among the caller's rows (under RLS, so another user's booking is not
 * found), calls Cal.com once with the connection's key through the shared client and its per-key rate
 * limiter, and writes Cal.com's answer through the same order-guarded upsert as the sync and the
 * webhooks. So the webhook Cal.com sends for the same change finds the state already there, and
 * nothing is written unless Cal.com accepted the change.
 *
 * @module
 */
import { withKeyRelation } from "../_shared/bookings/key_relation.ts";
import { mapApiBooking } from "../_shared/bookings/map_api_booking.ts";
import type { BookingRow } from "../_shared/bookings/booking_row.ts";
import {
  compareBookingUids,
  mergeBookingFacts,
  upsertBookings,
  upsertBookingStatus,
} from "../_shared/bookings/booking_store.ts";
import type { CalcomClient, ReadOptions } from "../_shared/calcom/client.ts";
import type { ApiBooking } from "../_shared/calcom/schemas.ts";
import type { UserClaims } from "../_shared/platform/auth.ts";
import type { Tx } from "../_shared/platform/db.ts";
import type { Deps } from "../_shared/platform/deps.ts";
import { apiError } from "../_shared/platform/http.ts";
import type {
  CancelBookingBody,
  DeclineBookingBody,
  MarkAbsentBody,
  RescheduleBookingBody,
} from "./booking_action_request.ts";
import { type BookingAction, bookingActionError } from "./booking_action_errors.ts";
import type { BookingView } from "./bookings_query.ts";
import { openCalcom } from "./calcom_access.ts";
import { readStoredBookings } from "./stored_bookings.ts";

/** An action as the routes hand it over. */
export type BookingActionRequest =
  | { action: "cancel"; body: CancelBookingBody }
  | { action: "reschedule"; body: RescheduleBookingBody }
  | { action: "confirm" }
  | { action: "decline"; body: DeclineBookingBody }
  | { action: "mark-absent"; body: MarkAbsentBody };

/**
 * The OAuth scopes each action needs at Cal.com: confirm, decline and mark-absent are guarded by
 * `BOOKING_WRITE`; cancel and reschedule by none (docs/calcom-contract.md §13).
 */
const ACTION_SCOPES: Record<BookingActionRequest["action"], readonly string[]> = {
  cancel: [],
  reschedule: [],
  confirm: ["BOOKING_WRITE"],
  decline: ["BOOKING_WRITE"],
  "mark-absent": ["BOOKING_WRITE"],
};

/** The answer of an action: the booking as now stored (see `BookingActionResponseSchema`). */
export interface BookingActionOutcome {
  booking: BookingView;
  /** A reschedule: the booking it replaced, now cancelled and linked to `booking`. */
  previousBooking?: BookingView;
  /** A cancel that reached several occurrences of a series: all of them. */
  bookings?: BookingView[];
}

/** The mirrored booking an action is about. */
interface Target {
  connectionId: string;
  isActive: boolean;
}

/** Longest uid looked up; a longer one (or one Postgres text cannot hold) is simply not found. */
const maxUidLength = 255;

/**
 * Finds the caller's row for `uid` under RLS.
 *
 * @throws {import("../_shared/platform/api_error.ts").ApiError} 404 when no row of the caller has the
 * uid; 400 when several connections mirror it and none was named
 */
async function findTarget(tx: Tx, uid: string, connectionId: string | undefined): Promise<Target> {
  const notFound = apiError(404, "not_found", "Booking not found");
  if (uid.length === 0 || uid.length > maxUidLength || uid.includes("\0")) throw notFound;
  const rows = await tx<{ calcom_connection_id: string; is_active: boolean }[]>`
    select b.calcom_connection_id, c.is_active
    from public.calcom_bookings b
    join public.calcom_connections c on c.id = b.calcom_connection_id
    where b.booking_uid = ${uid}
      ${connectionId ? tx`and b.calcom_connection_id = ${connectionId}` : tx``}
    order by c.created_at, c.id`;
  if (rows.length === 0) throw notFound;
  if (rows.length > 1) {
    throw apiError(
      400,
      "invalid_request",
      "Several of your Cal.com connections mirror this booking: pass connectionId",
      {
        connectionIds: rows.map((r) => r.calcom_connection_id),
      },
    );
  }
  return { connectionId: rows[0].calcom_connection_id, isActive: rows[0].is_active };
}

/** Sends the action to Cal.com; `read` learns when Cal.com answered (the answer's source time). */
function callCalcom(client: CalcomClient, uid: string, request: BookingActionRequest, read: ReadOptions) {
  switch (request.action) {
    case "cancel":
      return client.cancelBooking(uid, {
        cancellationReason: request.body.reason,
        cancelSubsequentBookings: request.body.cancelSubsequentBookings,
        seatUid: request.body.seatUid,
      }, read);
    case "reschedule":
      return client.rescheduleBooking(uid, {
        start: request.body.start,
        reschedulingReason: request.body.reason,
      }, read);
    case "confirm":
      return client.confirmBooking(uid, read);
    case "decline":
      return client.declineBooking(uid, { reason: request.body.reason }, read);
    case "mark-absent":
      return client.markBookingAbsent(uid, {
        host: request.body.host,
        attendees: request.body.attendees,
      }, read);
  }
}

/**
 * Rows of Cal.com's answer, stamped with the time Cal.com answered (`readAt`), as the sync stamps what it
 * reads: a state answered then is at least as new as every sync read and webhook before it.
 */
function mapAnswer(bookings: readonly ApiBooking[], action: BookingAction, readAt: string): BookingRow[] {
  try {
    return bookings.map((b) => mapApiBooking(b, { readAt }));
  } catch (err) {
    // Cal.com made the change, but its answer cannot be stored: the webhook or the next sync will.
    throw apiError(
      502,
      "calcom_unavailable",
      `Cal.com accepted the ${action}, but its answer cannot be stored (${
        (err as Error).message
      }): sync to see it`,
    );
  }
}

/** The booking an answer is about: the one named, else (a reschedule) the new one replacing it. */
function principal(bookings: readonly ApiBooking[], uid: string, action: BookingAction): ApiBooking {
  if (action === "reschedule") {
    return bookings.find((b) => b.rescheduledFromUid === uid) ?? bookings[0];
  }
  return bookings.find((b) => b.uid === uid) ?? bookings[0];
}

/**
 * Runs one action on the caller's booking `uid` and answers the booking as now stored.
 *
 * @throws {import("../_shared/platform/api_error.ts").ApiError} 404 not yours or unknown; 409 paused
 * connection or a refusal about the booking's state; 422 another refusal; 502 Cal.com failed
 */
export async function runBookingAction(
  deps: Deps,
  user: UserClaims,
  uid: string,
  connectionId: string | undefined,
  request: BookingActionRequest,
): Promise<BookingActionOutcome> {
  const target = await deps.db.asUser(user, (tx) => findTarget(tx, uid, connectionId));
  if (!target.isActive) {
    throw apiError(
      409,
      "conflict",
      "This Cal.com connection is paused: set it active to act on its bookings",
      {
        reason: "connection_paused",
      },
    );
  }
  // The interactive client of every user route: the key's shared rate limiter, a short deadline.
  const { client, keyUser } = await openCalcom(
    deps,
    user,
    target.connectionId,
    ACTION_SCOPES[request.action],
  );
  let answer: ApiBooking | ApiBooking[];
  let readAt = "";
  try {
    answer = await callCalcom(client, uid, request, { onReadAt: (at) => (readAt = at) });
  } catch (err) {
    throw bookingActionError(request.action, err);
  }
  const answered = Array.isArray(answer) ? answer : [answer];
  if (answered.length === 0) {
    throw apiError(502, "calcom_unavailable", `Cal.com answered the ${request.action} without a booking`);
  }
  const main = principal(answered, uid, request.action);
  // How the key's user relates to each booking, as the sync and the webhooks record it.
  const rows = mapAnswer(answered, request.action, readAt).map((row) => withKeyRelation(row, keyUser));
  const owner = { userId: user.sub, connectionId: target.connectionId };
  const replaced = request.action === "reschedule" && main.uid !== uid ? uid : undefined;
  const mainRow = rows[answered.indexOf(main)];
  // Cal.com's answer has no rejectionReason (write-endpoints §5); the reason it accepted is known here.
  if (request.action === "decline" && request.body.reason && !mainRow.rejection_reason) {
    mainRow.rejection_reason = request.body.reason;
  }

  return await deps.db.asService(async (tx) => {
    // Rows are taken in uid order, as every writer does (booking_store.ts), so this cannot deadlock
    // with the webhook Cal.com sends for the same change.
    const writeOld = () =>
      upsertBookingStatus(tx, {
        ...owner,
        change: {
          uid: replaced!,
          status: "CANCELLED",
          sourceUpdatedAt: mainRow.source_updated_at,
          rescheduledToUid: main.uid,
        },
        fromAction: true,
      });
    const writeNew = () => upsertBookings(tx, { ...owner, rows, fromAction: true });
    if (replaced && compareBookingUids(replaced, main.uid) < 0) {
      await writeOld();
      await writeNew();
    } else {
      await writeNew();
      if (replaced) await writeOld();
    }
    if (request.action === "mark-absent") {
      // Marking attendees leaves Cal.com's updatedAt alone, so the state write above can lose to a
      // newer stored state; the marks themselves are facts and merge whatever their time.
      const said = new Map((main.attendees ?? []).map((a) => [a.email?.toLowerCase(), a.absent]));
      await mergeBookingFacts(tx, {
        connectionId: target.connectionId,
        uid: main.uid,
        facts: {
          absentHost: request.body.host ? (main.absentHost ?? true) : null,
          attendeeAbsences: request.body.attendees?.map((a) => ({
            email: a.email,
            absent: said.get(a.email.toLowerCase()) ?? a.absent,
          })) ?? null,
        },
      });
    }
    const uids = [...new Set([...answered.map((b) => b.uid), ...(replaced ? [replaced] : [])])];
    const views = new Map(
      (await readStoredBookings(tx, target.connectionId, uids)).map((view) => [view.uid, view]),
    );
    const outcome: BookingActionOutcome = { booking: views.get(main.uid)! };
    if (replaced && views.has(replaced)) outcome.previousBooking = views.get(replaced);
    if (answered.length > 1) {
      outcome.bookings = answered.map((b) => views.get(b.uid)).filter((v): v is BookingView => !!v);
    }
    return outcome;
  });
}
