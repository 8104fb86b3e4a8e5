/**
 * Reads a body (a request's or a response's) up to a size cap, so no client or server can make a function
 * buffer a body of any size. It is the one place that counts body bytes: every request body (http.ts) and
 * every Cal.com answer (`_shared/calcom/read_capped.ts`) is read through it.
 *
 * Hono's `bodyLimit` middleware does the same for requests only, and trusts a declared `Content-Length`
 * without counting what arrives; one reader for both directions keeps one rule.
 *
 * @module
 */

/**
 * Reads at most `maxBytes` of `message`'s body, as its exact bytes (nothing decoded or trimmed: a
 * webhook's signature covers these bytes). A declared `Content-Length` over the cap fails before reading;
 * a body that sends more than the cap (declared or not) fails as soon as the cap is passed. Either way
 * the stream is cancelled, so the rest is never read or buffered.
 *
 * @returns the bytes, or `undefined` when the body declared or sent more than `maxBytes`
 */
export async function readCapped(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const declared = message.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    await message.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!message.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  // The reader keeps its lock: the stream is read to its end or cancelled here, and nothing reads it
  // after (releasing it cost an exception object per body, a measurable part of a webhook delivery).
  const reader = message.body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
