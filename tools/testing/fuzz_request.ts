/**
 * One malformed request to a function in a {@linkcode FunctionStack}, as the functions' fuzz tests describe
 * them: the expected status and error code travel with the request.
 *
 * @module
 */
import type { FunctionStack } from "./function_stack.ts";

/** A request to send and the 4xx error envelope it must get back. */
export interface FuzzCase {
  name: string;
  method?: string;
  /** Appended to `/<function name>`, query string included. */
  path?: string;
  body?: string;
  headers?: Record<string, string>;
  /** Send no Authorization header. */
  anonymous?: boolean;
  status: number;
  code: string;
}

/** Sends a fuzz case to `fn` with the user's token (unless anonymous) and the stack's anon key. */
export async function sendFuzzCase(
  stack: FunctionStack,
  fn: string,
  token: string,
  c: FuzzCase,
  defaultMethod: string,
): Promise<Response> {
  return await fetch(`${stack.server.url}/${fn}${c.path ?? ""}`, {
    method: c.method ?? defaultMethod,
    headers: {
      ...(c.anonymous ? {} : { authorization: `Bearer ${token}` }),
      apikey: stack.anonKey,
      ...c.headers,
    },
    body: c.body,
  });
}
