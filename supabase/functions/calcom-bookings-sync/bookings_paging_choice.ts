/**
 * Which version of `GET /v2/bookings` the sync pages a connection with: hosted Cal.com's cursor version
 * (2026-05-01) until the connection's Cal.com refuses it, then 2024-08-13's offsets. The refusal is
 * remembered per connection for the life of the process (a function instance), so a self-hosted
 * instance costs one refused request per connection and instance, and is logged once.
 *
 * @module
 */
import type { Deps } from "../_shared/platform/deps.ts";

/** Connections whose Cal.com did not serve the cursor version, in this process. */
const offsetConnections = new Set<string>();

/** Whether the sync should try cursor paging for `connectionId`. */
export function prefersCursorPaging(config: Pick<Deps["config"], "bookingsPaging">, connectionId: string) {
  return config.bookingsPaging === "auto" && !offsetConnections.has(connectionId);
}

/** Records that `connectionId`'s Cal.com does not serve the cursor version; logs it the first time. */
export function rememberOffsetPaging(log: Deps["log"], connectionId: string, reason: string): void {
  if (offsetConnections.has(connectionId)) return;
  offsetConnections.add(connectionId);
  log.info("Cal.com does not serve cursor paging for bookings: paging with 2024-08-13 offsets", {
    connectionId,
    reason,
  });
}
