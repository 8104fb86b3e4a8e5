/**
 * The check every Cal.com client makes of its API key before anything else, kept apart from the client
 * so that a lazily loaded client (`lazy_client.ts`) refuses a bad key as soon as it is made, as the
 * client itself does.
 *
 * @module
 */
import { CalcomError, CalcomErrorCode } from "./errors.ts";

/**
 * Throws an `invalid_request` CalcomError for an API key that a header cannot carry (empty, or
 * characters outside printable ASCII): `Headers` would otherwise throw a message we do not control.
 * A token source (OAuth) is not checked here; its tokens are checked where they are sent.
 */
export function assertHeaderSafeApiKey(apiKey: unknown): void {
  if (typeof apiKey === "string" && !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw new CalcomError("Cal.com API key is empty or contains characters a header cannot carry", {
      code: CalcomErrorCode.invalidRequest,
      retryable: false,
    });
  }
}
