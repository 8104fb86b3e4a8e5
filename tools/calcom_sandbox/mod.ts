/**
 * The Cal.com sandbox: a contract-faithful fake of Cal.com API v2 (bookings, me, webhooks, errors, rate
 * limits) that also delivers signed webhooks. See `tools/calcom_sandbox/README.md`.
 *
 * ```ts
 * await using sandbox = await startSandbox();
 * const { user, apiKey } = sandbox.addUser();
 * sandbox.seedBookings(user.id, 500, { seed: 7 });
 * const res = await fetch(`${sandbox.url}/v2/bookings?take=250`, {
 *   headers: { authorization: `Bearer ${apiKey}`, "cal-api-version": "2024-08-13" },
 * });
 * ```
 *
 * @module
 */

export {
  type AbsentChange,
  type BuiltWebhook,
  type Sandbox,
  type SandboxOptions,
  type SandboxTeam,
  type SandboxUser,
  startSandbox,
} from "./sandbox.ts";
export type { ApiBooking } from "./api_booking.ts";
export type { NewBooking } from "./booking_operations.ts";
export type { BuildWebhookOptions } from "./build_webhook.ts";
export { CalError } from "./errors.ts";
export { rawJsonNumber } from "./raw_json_number.ts";
export { type ListingMode, teamAdminListing } from "./listing_mode.ts";
export type { FaultOptions } from "./faults.ts";
export type { RateLimitConfig } from "./rate_limit.ts";
export type { SeedOptions } from "./seed.ts";
export type { RequestRecord } from "./server.ts";
export type { EventTypeRecord } from "./store.ts";
export type { MembershipRole } from "./teams.ts";
export type { Delivery } from "./webhook_delivery.ts";
