/**
 * One request of a sync: the page a checkpoint asks for next, read from Cal.com and applied to the plan
 * (offset pages by `sync_plan.ts`, cursor pages by `cursor_plan.ts`). A refused cursor or a Cal.com that
 * does not serve cursor paging is handled here, so every caller reads pages the same way: the sync
 * engine for each page of a run, and the scheduled sweep's quiet check (`quiet_check.ts`) for the first.
 *
 * @module
 */
import type { BookingPage, CalcomClient, UnreadableBooking } from "../_shared/calcom/client.ts";
import { CalcomErrorCode, isCalcomError } from "../_shared/calcom/errors.ts";
import type { ApiBooking } from "../_shared/calcom/schemas.ts";
import type { Logger } from "../_shared/platform/log.ts";
import { rememberOffsetPaging } from "./bookings_paging_choice.ts";
import { applyCursorPage, nextCursorRequest, offsetCheckpoint, restartStream } from "./cursor_plan.ts";
import {
  applyPage,
  nextRequest,
  type PlanItem,
  type PlanStep,
  type SyncCheckpoint,
  type SyncScope,
} from "./sync_plan.ts";

/** A received booking as the plan sees it: readable, or set aside by the client's schema. */
export type ReceivedItem = PlanItem & ({ booking: ApiBooking } | { unreadable: UnreadableBooking });

/** What reading one step gives: the plan's step and the time Cal.com answered (its `Date` header). */
export interface ReadStep {
  step: PlanStep<ReceivedItem>;
  readAt: string;
}

/** What a read needs. */
export interface ReadContext {
  client: CalcomClient;
  connectionId: string;
  scope: SyncScope;
  /** Carries the run's fields, if any. */
  log: Logger;
}

/** The first page of a listing; the generator is closed so it never asks for a second. */
export async function firstPage(pages: AsyncGenerator<BookingPage, void, undefined>): Promise<BookingPage> {
  try {
    const result = await pages.next();
    if (result.done) throw new Error("Cal.com listing ended without a page");
    return result.value;
  } finally {
    await pages.return(undefined);
  }
}

/** Reads the page `plan` asks for next and applies it, as the module doc says. */
export async function readPlanStep(ctx: ReadContext, plan: SyncCheckpoint): Promise<ReadStep> {
  if (plan.phase !== "stream") {
    const page = await firstPage(ctx.client.listBookings(nextRequest(plan, ctx.scope)));
    return { step: applyPage(plan, { ...page, bookings: receivedItems(page) }), readAt: page.readAt };
  }
  try {
    const page = await ctx.client.listBookingsByCursor(nextCursorRequest(plan, ctx.scope));
    return {
      step: applyCursorPage(plan, { bookings: receivedItems(page), nextCursor: page.nextCursor }),
      readAt: page.readAt,
    };
  } catch (err) {
    if (isCalcomError(err, CalcomErrorCode.cursorRefused)) {
      ctx.log.warn("Cal.com refused the saved page cursor: reading on from the oldest booking received");
      return await readPlanStep(ctx, restartStream(plan));
    }
    if (isCalcomError(err, CalcomErrorCode.versionNotServed)) {
      rememberOffsetPaging(ctx.log, ctx.connectionId, err.message);
      return await readPlanStep(ctx, offsetCheckpoint(plan));
    }
    throw err;
  }
}

/**
 * Every booking of a page for the plan, the unreadable ones too: their `updatedAt` moves the keyset
 * like any other, so a booking that cannot be stored is stepped past, never asked for again and again.
 */
function receivedItems(page: Pick<BookingPage, "bookings" | "unreadable">): ReceivedItem[] {
  return [
    ...page.bookings.map((booking) => ({
      uid: booking.uid,
      updatedAt: booking.updatedAt,
      createdAt: booking.createdAt,
      booking,
    })),
    ...page.unreadable.map((unreadable) => ({
      uid: unreadable.uid ?? "",
      updatedAt: unreadable.updatedAt,
      createdAt: unreadable.createdAt,
      unreadable,
    })),
  ];
}
