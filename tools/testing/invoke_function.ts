/**
 * Calls a function the way the browser does, through supabase-js `functions.invoke`, and gives back
 * status, body and headers whatever the status.
 *
 * @module
 */
import type { SupabaseClient } from "@supabase/supabase-js";

/** A function's answer, whatever its status. */
export interface FunctionResponse {
  status: number;
  // deno-lint-ignore no-explicit-any
  body: any;
  headers: Headers;
}

/**
 * Calls a function through supabase-js `functions.invoke` and returns status and parsed body for both
 * success and error answers (supabase-js hides the body of errors in `error.context`).
 */
export async function invokeFunction(
  client: SupabaseClient,
  name: string,
  options: {
    method?: "GET" | "POST" | "DELETE" | "PUT" | "PATCH";
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<FunctionResponse> {
  const { data, error, response } = await client.functions.invoke(name, {
    method: options.method,
    body: options.body as Record<string, unknown> | undefined,
    headers: options.headers,
  });
  if (!response) throw error ?? new Error(`No response from ${name}`);
  if (error) {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body, headers: response.headers };
  }
  return { status: response.status, body: data, headers: response.headers };
}
