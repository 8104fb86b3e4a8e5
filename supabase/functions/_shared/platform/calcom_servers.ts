/**
 * Which Cal.com servers the functions may call: the default (`CALCOM_API_URL`) and the origins an operator
 * lists in `CALCOM_API_ORIGINS` (self-hosted Cal.com, cal.diy). A user picks one of them when connecting;
 * a URL of their own choosing is never called (docs/security.md, "Self-hosted Cal.com servers").
 *
 * @module
 */
import { CalcomError, CalcomErrorCode } from "../calcom/errors.ts";

/** Hostnames that name this machine. */
function isLoopbackName(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost");
}

function ipv4(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

/**
 * Whether `hostname` (as `URL.hostname` gives it) is on this machine or a private network: loopback,
 * RFC 1918 and unique-local addresses, `localhost`, and single-label names such as a container's
 * (`calcom`), which resolve only inside a private network. Link-local addresses (cloud metadata) are not.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  if (isLoopbackName(host)) return true;
  const v4 = ipv4(host);
  if (v4) {
    const [a, b] = v4;
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  if (host.startsWith("[")) {
    const v6 = host.slice(1, -1);
    return v6 === "::1" || /^f[cd][0-9a-f]{2}:/.test(v6);
  }
  return !host.includes(".");
}

/**
 * The origin an operator's entry names, or why it is refused. An entry is exactly an origin: scheme, host
 * and optional port, no path, query, fragment or credentials. It must be https; http only for a private
 * host (see {@linkcode isPrivateHost}) and only when `allowHttp` (development and tests): an API key
 * must not cross the internet in clear text.
 */
export function parseAllowedOrigin(
  entry: string,
  options: { allowHttp: boolean },
): { origin: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return { error: "must be origins such as https://cal.example.com" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { error: "must be https:// origins" };
  }
  if (
    url.username || url.password || url.search || url.hash || !/^\/?$/.test(url.pathname) ||
    entry.includes("?")
  ) {
    return { error: "must be origins only (scheme, host and port, no path, query or credentials)" };
  }
  if (url.protocol === "http:") {
    if (!options.allowHttp) {
      return { error: "must be https:// origins (http only with CALCOM_API_ORIGINS_ALLOW_HTTP=true)" };
    }
    if (!isPrivateHost(url.hostname)) {
      return { error: "may use http only for localhost or private network hosts" };
    }
  }
  return { origin: url.origin };
}

/**
 * `text` as the functions compare Cal.com URLs: scheme and host in lower case, default port dropped,
 * trailing slashes dropped; undefined unless it is an http(s) URL without credentials, query or fragment.
 */
export function normaliseApiUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  if (url.username || url.password || url.search || url.hash || text.includes("?")) return undefined;
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** What deciding a connection's server needs from the configuration. */
export interface CalcomServers {
  /** `CALCOM_API_URL` (or https://api.cal.com). */
  calcomApiUrl: string;
  /** `CALCOM_API_ORIGINS`, validated. */
  calcomApiOrigins: readonly string[];
}

/** The default server as an origin (`CALCOM_API_URL` normalised). */
function defaultServer(config: CalcomServers): string {
  return normaliseApiUrl(config.calcomApiUrl) ?? config.calcomApiUrl;
}

/** The servers a user may connect to, the default first, each once. */
export function allowedServers(config: CalcomServers): string[] {
  const def = defaultServer(config);
  return [def, ...config.calcomApiOrigins.filter((o) => o !== def)];
}

/**
 * What to store for a server a connect request names: null for the default, the origin for a listed
 * one, undefined for any other (refused without being called).
 */
export function storedServerFor(
  config: CalcomServers,
  requested: string | undefined,
): string | null | undefined {
  if (requested === undefined) return null;
  const url = normaliseApiUrl(requested);
  if (url === undefined) return undefined;
  if (url === defaultServer(config)) return null;
  return config.calcomApiOrigins.includes(url) ? url : undefined;
}

/**
 * The base URL of a connection's Cal.com: the default for null, else the stored origin while the
 * configuration still lists it.
 *
 * @throws {CalcomError} (`InvalidRequest`, not retryable) when the operator no longer allows the origin:
 * nothing is sent there
 */
export function serverUrlFor(config: CalcomServers, stored: string | null): string {
  if (stored === null) return config.calcomApiUrl;
  if (config.calcomApiOrigins.includes(stored)) return stored;
  throw new CalcomError(
    `The Cal.com server ${stored} is no longer allowed here (CALCOM_API_ORIGINS): ` +
      "connect the account again on an allowed server",
    { code: CalcomErrorCode.invalidRequest, retryable: false },
  );
}
