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

  constructor(status: number, message: string, options: { code?: string; details?: unknown } = {}) {
    super(message);
    this.name = "CalError";
    this.status = status;
    this.code = options.code ?? CODES[status] ?? "HttpException";
    this.details = options.details;
  }
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
  return { status: "error", timestamp: new Date(now).toISOString(), path, error };
}
