/**
 * The webhook URL of a connection, and whether Cal.com could reach it at all.
 *
 * @module
 */

/** `<publicFunctionsUrl>/calcom-webhook/<connectionId>`: the connection id tells the webhook whose it is. */
export function webhookUrlFor(publicFunctionsUrl: string, connectionId: string): string {
  return `${publicFunctionsUrl.replace(/\/+$/, "")}/calcom-webhook/${connectionId}`;
}

function ipv4(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function isPrivateIpv4([a, b]: number[]): boolean {
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

function isPrivateIpv6(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "::" || h === "::1") return true;
  // IPv4-mapped (::ffff:10.0.0.1, or its hex form ::ffff:a00:1 as URL normalises it)
  const mapped = h.match(/^::ffff:(.+)$/);
  if (mapped) {
    const v4 = ipv4(mapped[1]);
    if (v4) return isPrivateIpv4(v4);
    const hex = mapped[1].match(/^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/);
    if (hex) {
      const hi = parseInt(hex[1], 16);
      return isPrivateIpv4([hi >> 8, hi & 0xff]);
    }
  }
  // unique local fc00::/7, link-local fe80::/10
  return /^f[cd][0-9a-f]{0,2}:/.test(h) || /^fe[89ab][0-9a-f]?:/.test(h);
}

/**
 * Whether a URL points somewhere Cal.com cannot deliver to: localhost, loopback, private, link-local and
 * carrier-grade NAT ranges, and local-only names (`*.local`, `*.localhost`, `*.internal`, single labels).
 * Registering such a URL would fail or, worse, succeed and never deliver.
 */
export function isLocalUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/\.$/, "");
  } catch {
    return true;
  }
  if (host.startsWith("[") && host.endsWith("]")) return isPrivateIpv6(host.slice(1, -1));
  const v4 = ipv4(host);
  if (v4) return isPrivateIpv4(v4);
  if (host === "localhost" || !host.includes(".")) return true;
  return /\.(local|localhost|internal|lan|home\.arpa)$/.test(host);
}

/** Whether a Cal.com API URL is Cal.com's cloud (`api.cal.com`), whose subscriber URL rules are strict. */
export function isCalcomCloud(calcomApiUrl: string): boolean {
  try {
    return new URL(calcomApiUrl).hostname.toLowerCase().replace(/\.$/, "") === "api.cal.com";
  } catch {
    return false;
  }
}

/**
 * Why Cal.com's cloud would refuse `url` as a subscriber URL, or null: it accepts only HTTPS and blocks
 * localhost, private addresses and cloud metadata hosts (`validate-webhook-url.ts`, `ssrfProtection.ts`;
 * docs/calcom-contract.md). Checked before calling Cal.com, so the reason says what to change here.
 */
export function cloudSubscriberUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "it is not a valid URL";
  }
  if (parsed.protocol !== "https:") return "Cal.com's cloud accepts only HTTPS webhook URLs";
  if (isLocalUrl(url)) return "Cal.com's cloud refuses webhook URLs on localhost and private addresses";
  return null;
}
