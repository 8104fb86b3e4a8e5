/**
 * Cal.com's subscriber URL rules for `POST`/`PATCH /v2/webhooks` (corrections §5,
 * `apps/api/v2/src/modules/webhooks/utils/validate-webhook-url.ts` and `packages/lib/ssrfProtection.ts`):
 * the cloud takes HTTPS only and blocks loopback names, cloud metadata hosts and private IP literals;
 * a self-hosted instance allows http and private addresses but still blocks metadata hosts. The DNS
 * rebinding check ("Hostname resolves to private IP") is not modelled: the sandbox resolves nothing.
 *
 * @module
 */

import { CalError } from "./errors.ts";

/** Which deployment's rules apply. */
export type SubscriberUrlRules = "cloud" | "self-hosted";

const METADATA_HOSTS = [
  "169.254.169.254",
  "169.254.169.253",
  "169.254.170.2",
  "100.100.100.200",
  "metadata.google.internal",
  "metadata.google.com",
  "[fd00:ec2::254]",
];

const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"];

function ipv4(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

/** ipaddr.js ranges Cal.com blocks: unspecified, loopback, private, link-local, CGNAT, reserved, benchmarking. */
function isBlockedIpv4([a, b]: number[]): boolean {
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 198 && (b === 18 || b === 19)) ||
    a >= 240;
}

function isBlockedIpv6(host: string): boolean {
  const h = host.toLowerCase();
  const mapped = h.match(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/);
  if (mapped) return isBlockedIpv4(ipv4(mapped[1]) ?? [0, 0]);
  return h === "::" || h === "::1" || /^f[cd][0-9a-f]{0,2}:/.test(h) || /^fe[89ab][0-9a-f]?:/.test(h);
}

/** Refuses `url` with Cal.com's 400 "Webhook URL is not allowed: <reason>" when `rules` forbid it. */
export function checkSubscriberUrl(rules: SubscriberUrlRules, url: string): void {
  const refuse = (reason: string) => new CalError(400, `Webhook URL is not allowed: ${reason}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw refuse("Invalid URL format");
  }
  const host = parsed.hostname.toLowerCase().replace(/\.$/, "");
  if (METADATA_HOSTS.includes(host)) throw refuse("Blocked hostname");
  if (rules === "self-hosted") {
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw refuse("Only HTTP and HTTPS protocols are allowed");
    }
    return;
  }
  if (parsed.protocol !== "https:") throw refuse("Only HTTPS URLs are allowed");
  if (LOOPBACK_HOSTS.includes(host)) throw refuse("Blocked hostname");
  const v4 = ipv4(host);
  if (v4 && isBlockedIpv4(v4)) throw refuse("Private IP address");
  if (host.startsWith("[") && isBlockedIpv6(host.slice(1, -1))) throw refuse("Private IP address");
}
