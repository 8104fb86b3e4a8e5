/**
 * Dates, durations and statuses as a person reads them, in the viewer's time zone and language (Intl).
 *
 * @module
 */

/** "5 minutes ago", "in 2 days", "just now". */
export function relativeTime(iso: string, now: Date, locale?: string): string {
  const seconds = Math.round((Date.parse(iso) - now.getTime()) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ["day", 86_400],
    ["hour", 3_600],
    ["minute", 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(seconds, "second");
}

/** The exact instant, with the time zone named ("Mar 10, 2025, 3:00:00 PM GMT+1"). */
export function exactTime(iso: string, timeZone?: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "long",
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso));
}

/** A booking's date and start time ("Mon, Mar 10, 2025, 3:00 PM"). */
export function bookingTime(iso: string, timeZone?: string, locale?: string): string {
  return new Intl.DateTimeFormat(locale, {
    weekday: "short",
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso));
}

/** "30 min", "1 h", "1 h 30 min". */
export function duration(startIso: string, endIso: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(endIso) - Date.parse(startIso)) / 60_000));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

const STATUS_LABELS: Record<string, string> = {
  ACCEPTED: "Accepted",
  PENDING: "Unconfirmed",
  CANCELLED: "Cancelled",
  REJECTED: "Rejected",
  AWAITING_HOST: "Awaiting host",
};

/** A stored booking status as a word. */
export function bookingStatusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status.charAt(0) + status.slice(1).toLowerCase();
}

/** A location as a person reads it: `integrations:daily` is Cal Video, other integrations by name. */
export function locationLabel(location: string): string {
  if (location === "integrations:daily") return "Cal Video";
  const integration = /^integrations:(.+)$/.exec(location);
  if (integration) {
    return integration[1].split(/[_-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
  }
  return location;
}

/** Whether a string is an http(s) URL worth rendering as a link. */
export function isWebLink(value: string): boolean {
  return /^https?:\/\/[^\s]+$/i.test(value);
}
