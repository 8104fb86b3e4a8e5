/**
 * Cal.com's error envelope. Nest's HttpException filter answers every failure with
 * `{status:"error", timestamp, path, error:{code, message, details?}}` where `code` is the exception
 * class name (contract §7.1).
 *
 * @module
 */

const CODES: Record<number, string> = {
  400: "BadRequestException",
  401: "UnauthorizedException",
  403: "ForbiddenException",
  404: "NotFoundException",
  409: "ConflictException",
  413: "PayloadTooLargeException",
  422: "UnprocessableEntityException",
  429: "ThrottlerException",
  500: "InternalServerErrorException",
};

/** A failure the sandbox answers like Cal.com does; also thrown by the in-process controls. */
export class CalError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Exception class name as Cal.com reports it in `error.code`. */
  readonly code: string;
  /** What Nest's `exception.getResponse()` would hold; only sent when details are enabled. */
  readonly details: unknown;
  /**
   * An error the booking engine raised (`HttpError`): its text is also sent as a top-level `message`
   * (write-endpoints §1.5).
   */
  readonly fromEngine: boolean;

  constructor(
    status: number,
    message: string,
    options: { code?: string; details?: unknown; fromEngine?: boolean } = {},
  ) {
    super(message);
    this.name = "CalError";
    this.status = status;
    this.code = options.code ?? CODES[status] ?? "HttpException";
    this.details = options.details;
    this.fromEngine = options.fromEngine ?? false;
  }
}

/** An error of the booking engine (cancel, reschedule, no-show handlers): status and text as given. */
export function engineError(status: number, message: string): CalError {
  return new CalError(status, message, { fromEngine: true });
}

/**
 * An error of the confirm/decline engine: a tRPC error, whose text the API replaces with a generic one
 * (write-endpoints §1.5).
 */
export function trpcError(kind: "BAD_REQUEST" | "UNAUTHORIZED"): CalError {
  return kind === "BAD_REQUEST"
    ? new CalError(400, "Bad request: Please check your request data and try again", { code: "TRPCError" })
    : new CalError(401, "You are not authorized to access this resource", { code: "TRPCError" });
}

/** A DTO validation failure: Cal.com's global pipe reports only a generic message (contract §7.1). */
export function validationError(errors: string[]): CalError {
  return new CalError(400, "Bad Request Exception", { details: { errors } });
}

/** An unexpected failure: Cal.com answers it with its own code, not an exception class name. */
export function internalServerError(): CalError {
  return new CalError(500, "Internal server error.", { code: "INTERNAL_SERVER_ERROR" });
}

/** The error body for `err` on `path`; `details` only when asked for (production omits it). */
export function errorEnvelope(
  err: CalError,
  path: string,
  now: number,
  withDetails = false,
): Record<string, unknown> {
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  if (withDetails && err.details !== undefined) error.details = err.details;
  const body: Record<string, unknown> = {
    status: "error",
    timestamp: new Date(now).toISOString(),
    path,
    error,
  };
  if (err.fromEngine) body.message = err.message;
  return body;
}
