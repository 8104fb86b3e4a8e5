/**
 * Reads a Cal.com answer's body as text up to a size cap, so a misbehaving or hostile server cannot make
 * a function buffer an answer of any size.
 *
 * @module
 */

/**
 * The largest Cal.com answer the client reads: 16 MiB. The biggest legitimate answer is a page of 250
 * bookings; even large bookings (dozens of attendees, long booking-field responses, metadata) are tens of
 * KB each, so a full page stays under 10 MB, and 16 MiB leaves headroom without letting one answer take
 * a large share of an Edge Function's memory.
 */
export const maxResponseBytes = 16 * 1024 * 1024;

/** The body as text, or `tooLarge` when it declared or sent more than the cap. */
export type CappedText = { ok: true; text: string } | { ok: false; tooLarge: true };

/** `bytes` for a message: whole MB when it is a multiple of 1 MiB, else bytes. */
export function formatBytes(bytes: number): string {
  const mib = 1024 * 1024;
  return bytes % mib === 0 ? `${bytes / mib} MB` : `${bytes} bytes`;
}

/**
 * Reads at most `maxBytes` of `message`'s body and decodes it as UTF-8. A declared `Content-Length`
 * over the cap fails before reading; a body that sends more than the cap (declared or not) fails as soon
 * as the cap is passed. Either way the stream is cancelled, so the rest is never read or buffered.
 */
export async function readCappedText(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  maxBytes: number,
): Promise<CappedText> {
  const declared = message.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    await message.body?.cancel().catch(() => {});
    return { ok: false, tooLarge: true };
  }
  if (!message.body) return { ok: true, text: "" };
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let size = 0;
  const reader = message.body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => {});
        return { ok: false, tooLarge: true };
      }
      parts.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    reader.releaseLock();
  }
  parts.push(decoder.decode());
  return { ok: true, text: parts.join("") };
}
