/**
 * The Supabase functions URL layout, shared by the dev gateway and the test function server:
 * `/functions/v1/<name>/...` reaches the function `<name>`, which sees the path `/<name>/...`.
 *
 * @module
 */

/** Where the functions are served. */
export const FUNCTIONS_PREFIX = "/functions/v1/";

/** The function a path under {@linkcode FUNCTIONS_PREFIX} addresses; "" for any other path. */
export function functionName(pathname: string): string {
  return pathname.startsWith(FUNCTIONS_PREFIX) ? pathname.slice(FUNCTIONS_PREFIX.length).split("/")[0] : "";
}

/**
 * The request as the function gets it: the same method, headers and streamed body, with the path
 * Supabase hands it (without the `/functions/v1` prefix).
 */
export function functionRequest(request: Request): Request {
  const target = new URL(request.url);
  target.pathname = target.pathname.slice(FUNCTIONS_PREFIX.length - 1);
  // A fresh request rather than `new Request(target, request)`: copying the signal makes Deno warn that
  // it aborts on successful responses.
  return new Request(target, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    // @ts-ignore: Deno needs it for streamed bodies; the DOM RequestInit type lacks it
    duplex: "half",
  });
}
