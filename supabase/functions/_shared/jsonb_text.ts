/**
 * JSON text that Postgres `jsonb` accepts. `jsonb` (and `text`) cannot hold U+0000, which JSON strings
 * can carry as `\u0000`: such a write would fail, and a failed webhook log write would answer Cal.com
 * with a 500. The escape is replaced by U+FFFD instead.
 *
 * @module
 */

/** A `\u0000` escape, not the text `\\u0000` (an escaped backslash followed by `u0000`). */
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** JSON text with every `\u0000` escape replaced by `\ufffd`. */
export function jsonbSafe(json: string): string {
  return json.includes("\\u0000") ? json.replace(NUL_ESCAPE, "$1\\ufffd") : json;
}

/** `JSON.stringify(value)`, safe for a `$n::text::jsonb` parameter. */
export function toJsonbText(value: unknown): string {
  return jsonbSafe(JSON.stringify(value ?? null));
}

/** A string safe for a `text` column: U+0000 replaced by U+FFFD. */
export function textSafe(text: string): string {
  return text.includes("\0") ? text.replaceAll("\0", "\ufffd") : text;
}

/** A `\uD800`–`\uDFFF` escape: JSON that may carry a lone surrogate, which jsonb rejects. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F][0-9a-fA-F]{2}/;

function wellFormed(value: unknown): unknown {
  if (typeof value === "string") return value.toWellFormed();
  if (Array.isArray(value)) return value.map(wellFormed);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toWellFormed(), wellFormed(v)]));
  }
  return value;
}

/**
 * A parsed JSON body and its text, both fit for jsonb: Cal.com serialises a lone surrogate (say, an
 * emoji cut in half) as a `\uD83D` escape, which jsonb rejects; such strings get U+FFFD instead. The
 * original text is returned as it is when it holds no surrogate escape (the common case, no copy).
 */
export function jsonbSafeBody(text: string, parsed: unknown): { json: string; value: unknown } {
  if (!SURROGATE_ESCAPE.test(text)) return { json: jsonbSafe(text), value: parsed };
  const value = wellFormed(parsed);
  return { json: toJsonbText(value), value };
}
