/**
 * The Cal.com account (`/v2/me`) as a connection stores it. Cal.com's profile fields are free text: a
 * username, email or time zone may carry U+0000, which a Postgres `text` column cannot hold (the write
 * would fail and the connect answer 500), or a lone surrogate. Both become U+FFFD, so the account is
 * stored, and shown, with a visible replacement character instead.
 *
 * @module
 */
import type { CalcomMe } from "../_shared/calcom/schemas.ts";
import { textSafe } from "../_shared/bookings/jsonb_text.ts";

/** The account fields a connection stores, each fit for a `text` column. */
export interface CalcomAccount {
  id: number;
  username: string | null;
  email: string;
  timeZone: string | null;
}

function storable(text: string): string {
  return textSafe(text.toWellFormed());
}

/** The account of `me`, its text fields fit for Postgres. */
export function calcomAccount(me: CalcomMe): CalcomAccount {
  return {
    id: me.id,
    username: me.username == null ? null : storable(me.username),
    email: storable(me.email),
    timeZone: me.timeZone == null ? null : storable(me.timeZone),
  };
}
