/**
 * The functions' error vocabulary: the JSON envelope `{success:false, error:{code, message, details?}}`
 * every failure answers with, and {@link apiError} to throw one from a handler or middleware.
 *
 * @module
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";

/** The error codes clients can rely on, with the status each one answers with. */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_api_key: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  calcom_unavailable: 502,
  internal_error: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

/** One of the documented error codes (snake_case). */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** The body of every error response (docs/openapi.json is generated from it). */
export const ErrorBodySchema = z.object({
  success: z.literal(false),
  error: z.object({
    code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
    /** Sentence case, no secret, no internal error text. */
    message: z.string(),
    /** e.g. `issues: [{path, message}]` of a failed validation. */
    details: z.unknown().optional(),
  }),
}).meta({ id: "ErrorBody" });

/** The body of every error response. */
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** An error meant for the client: its message and details are shown as they are, so keep them safe. */
export class ApiError extends HTTPException {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(status: ContentfulStatusCode, code: ErrorCode, message: string, details?: unknown) {
    super(status, { message });
    this.name = "ApiError";
    this.code = code;
    this.details = details;
  }
}

/**
 * Builds the error to throw for a failed request: `throw apiError(404, "not_found", "Connection not
 * found")`. The message and details reach the client: never put secrets or internal errors in them.
 */
export function apiError(
  status: ContentfulStatusCode,
  code: ErrorCode,
  message: string,
  details?: unknown,
): ApiError {
  return new ApiError(status, code, message, details);
}

/** The envelope for an error code and message. */
export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { success: false, error: details === undefined ? { code, message } : { code, message, details } };
}
