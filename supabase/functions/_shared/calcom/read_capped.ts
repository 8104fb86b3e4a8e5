/**
 * Reads a Cal.com answer's body as text up to a size cap, so a misbehaving or hostile server cannot make
 * a function buffer an answer of any size.
 *
 * @module
 */
import { readCapped } from "../platform/read_capped.ts";

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
 * Reads at most `maxBytes` of `message`'s body (through the shared {@linkcode readCapped}, which cancels
 * the stream once the cap is passed) and decodes it as UTF-8.
 */
export async function readCappedText(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  maxBytes: number,
): Promise<CappedText> {
  const bytes = await readCapped(message, maxBytes);
  return bytes ? { ok: true, text: new TextDecoder().decode(bytes) } : { ok: false, tooLarge: true };
}
