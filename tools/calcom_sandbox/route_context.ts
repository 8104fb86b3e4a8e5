/**
 * What the route handlers share: the state, the booking rules, the clock, webhook dispatch, and the
 * shapes of a routed request and its result.
 *
 * @module
 */

import type { z } from "zod";
import type { BookingOperations, WebhookEvent } from "./booking_operations.ts";
import { validationError } from "./errors.ts";
import type { Random } from "./ids.ts";
import type { Store, UserRecord } from "./store.ts";
import type { ListingMode } from "./listing_mode.ts";
import type { SubscriberUrlRules } from "./subscriber_url.ts";

/** Dependencies of the route handlers. */
export interface RouteContext {
  store: Store;
  ops: BookingOperations;
  now: () => number;
  random: Random;
  /** Delivers the webhooks of a change; resolves when every attempt has finished. */
  dispatch(events: WebhookEvent[]): Promise<void>;
  /** How `GET /v2/bookings` pages (`listing_mode.ts`); absent: a personal key on a current deployment. */
  listing?: () => ListingMode;
  /** The generation of bookings list cursors; a cursor of an earlier one has expired. Absent: 0. */
  cursorEpoch?: () => number;
  /** Which deployment's subscriber URL rules apply (`subscriber_url.ts`). */
  subscriberUrlRules: SubscriberUrlRules;
  /** The payload version a webhook created without one gets. */
  defaultWebhookVersion: string;
}

/** A request after routing and authentication. */
export interface RouteRequest {
  method: string;
  /** Path parameters, e.g. `uid`, `id`. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body, undefined when there is none. */
  body: unknown;
  /** The caller, when authenticated. */
  user?: UserRecord;
}

/** A successful answer: status and the `data` (plus extra envelope keys such as `pagination`). */
export interface RouteResult {
  status: number;
  data: unknown;
  extra?: Record<string, unknown>;
}

/** A route handler. */
export type Handler = (ctx: RouteContext, req: RouteRequest) => Promise<RouteResult> | RouteResult;

/** Parses `body` with `schema` or throws Cal.com's generic validation error listing the issues. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) {
    throw validationError(result.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`));
  }
  return result.data;
}

/** The authenticated caller, for routes whose guard requires one (the guard already answered 401). */
export function caller(req: RouteRequest): UserRecord {
  if (!req.user) throw new Error("Route requires an authenticated user");
  return req.user;
}
