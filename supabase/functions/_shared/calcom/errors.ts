/**
 * The one error type every Cal.com client failure surfaces as, and the parser that turns a non-2xx
 * Cal.com response into it.
 *
 * @module
 */

/**
 * Codes the client produces itself, next to the ones Cal.com sends (`UnauthorizedException`,
 * `NotFoundException`, `ConflictException`, `ThrottlerException`, `BadRequestException`, …).
 */
export const CalcomErrorCode = {
  /** The connection failed or was dropped before a complete response arrived. */
  network: "NetworkError",
  /** One request took longer than `timeoutMs`. */
  timeout: "RequestTimeout",
  /** The call's overall deadline passed (or a retry or rate-limit wait would have passed it). */
  deadline: "DeadlineExceeded",
  /** A 2xx response whose body is not JSON. */
  malformed: "MalformedResponse",
  /** A JSON response that does not have the shape API v2 documents. */
  invalid: "InvalidResponse",
  /** An answer larger than the client reads (`maxResponseBytes`); not read further. */
  tooLarge: "ResponseTooLarge",
  /** A 3xx answer: redirects are not followed, so nothing is re-sent to another origin. */
  redirect: "RedirectNotFollowed",
  /** A listing that kept answering full pages past the client's page limit. */
  tooManyPages: "TooManyPages",
  /** Arguments rejected before anything was sent. */
  invalidRequest: "InvalidRequest",
  /** Cal.com refused to renew an OAuth connection's tokens: the user must connect again. */
  reauthorize: "OAuthReauthorizeRequired",
  /** An OAuth connection's tokens could not be renewed now (token endpoint down, no OAuth configured). */
  oauthUnavailable: "OAuthUnavailable",
  /**
   * The bookings list was asked for a version this deployment does not serve (hosted Cal.com's
   * `2026-05-01` on a self-hosted instance): list it with 2024-08-13 instead.
   */
  versionNotServed: "BookingsVersionNotServed",
  /** Cal.com refused a page cursor it handed out earlier (expired, or from another query). */
  cursorRefused: "CursorRefused",
  /** Cal.com's codes the callers act on. */
  unauthorized: "UnauthorizedException",
  forbidden: "ForbiddenException",
  notFound: "NotFoundException",
  conflict: "ConflictException",
  throttled: "ThrottlerException",
} as const;

/** Fields of a {@linkcode CalcomError} besides its message. */
export interface CalcomErrorInit {
  /** HTTP status Cal.com answered with; `undefined` when no response arrived. */
  status?: number;
  /** Cal.com's error code (exception class name) or one of {@linkcode CalcomErrorCode}. */
  code: string;
  /** Whether the same call may succeed later (5xx, 429, network, timeout). */
  retryable: boolean;
  /** What Cal.com itself said (its error message, secrets redacted), when it answered with an error. */
  calcomMessage?: string;
}

/**
 * A failed Cal.com call. Its message, stack and JSON never contain the API key: the client builds
 * messages only from the method, the path, the status and Cal.com's own message, and redacts the key
 * from the latter.
 */
export class CalcomError extends Error {
  override name = "CalcomError";
  readonly status: number | undefined;
  readonly code: string;
  readonly retryable: boolean;
  /** See {@linkcode CalcomErrorInit.calcomMessage}. */
  readonly calcomMessage: string | undefined;

  constructor(message: string, init: CalcomErrorInit) {
    super(message);
    this.status = init.status;
    this.code = init.code;
    this.retryable = init.retryable;
    this.calcomMessage = init.calcomMessage;
  }

  /** Keeps the message in `JSON.stringify(err)` (own properties alone would drop it). */
  toJSON(): { name: string; message: string; status: number | undefined; code: string; retryable: boolean } {
    return {
      name: this.name,
      message: this.message,
      status: this.status,
      code: this.code,
      retryable: this.retryable,
    };
  }
}

/** Whether `err` is a {@linkcode CalcomError}, optionally with the given code. */
export function isCalcomError(err: unknown, code?: string): err is CalcomError {
  return err instanceof CalcomError && (code === undefined || err.code === code);
}

const codeByStatus: Record<number, string> = {
  400: "BadRequestException",
  401: "UnauthorizedException",
  403: "ForbiddenException",
  404: "NotFoundException",
  409: "ConflictException",
  422: "UnprocessableEntityException",
  429: "ThrottlerException",
  500: "InternalServerErrorException",
  502: "BadGatewayException",
  503: "ServiceUnavailableException",
  504: "GatewayTimeoutException",
};

/** Whether a response status is worth retrying: throttling and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

const maxMessageLength = 300;

/**
 * Replaces every occurrence of each secret in `text` with `[redacted]`: as it is, and in the forms an
 * echo of a request carries it (JSON-escaped, as in an echoed body; percent-encoded, as in a URL). The
 * one redaction of known secrets: error messages and stored webhook errors all go through it.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
    // the longest first, so a form containing another is replaced whole
    for (const form of [...forms].sort((a, b) => b.length - a.length)) {
      out = out.split(form).join("[redacted]");
    }
  }
  return out;
}

function truncate(text: string): string {
  return text.length > maxMessageLength ? `${text.slice(0, maxMessageLength)}…` : text;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

function messageText(value: unknown): string | undefined {
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  if (Array.isArray(value)) {
    const parts = value.filter((v): v is string => typeof v === "string");
    if (parts.length) return parts.join("; ");
  }
  return undefined;
}

/**
 * Reads Cal.com's code and message from an error body: the API v2 envelope
 * `{status:"error", error:{code,message}}`, Nest's bare `{statusCode, message, error?}`, or anything
 * else (HTML from a proxy, empty), falling back to a code derived from the status.
 */
export function parseErrorBody(status: number, bodyText: string): { code: string; message: string } {
  let body: unknown;
  try {
    body = bodyText === "" ? undefined : JSON.parse(bodyText);
  } catch {
    body = undefined;
  }
  const root = asRecord(body);
  const envelope = asRecord(root?.error);
  const fallbackCode = codeByStatus[status] ?? (status >= 500 ? "HttpServerError" : "HttpClientError");
  const code = (typeof envelope?.code === "string" && envelope.code) ||
    (typeof root?.code === "string" && root.code) || fallbackCode;
  const message = messageText(envelope?.message) ?? messageText(root?.message) ??
    messageText(root?.error) ?? `HTTP ${status}`;
  return { code, message };
}

/**
 * Builds the error for a non-2xx response to `operation` (e.g. `GET /v2/bookings`), with every
 * secret redacted from what Cal.com said.
 */
export function errorFromResponse(
  operation: string,
  status: number,
  bodyText: string,
  secrets: readonly string[],
): CalcomError {
  const { code, message } = parseErrorBody(status, bodyText);
  const text = truncate(redact(`Cal.com ${operation} failed with ${status} ${code}: ${message}`, secrets));
  return new CalcomError(text, {
    status,
    code: redact(code, secrets),
    retryable: isRetryableStatus(status),
    calcomMessage: truncate(redact(message, secrets)),
  });
}
