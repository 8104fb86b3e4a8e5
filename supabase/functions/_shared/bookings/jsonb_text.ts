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

/** A copy of a parsed JSON value with every lone surrogate (in keys and strings) replaced by U+FFFD. */
export function wellFormedValue(value: unknown): unknown {
  if (typeof value === "string") return value.toWellFormed();
  if (Array.isArray(value)) return value.map(wellFormedValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k.toWellFormed(), wellFormedValue(v)]),
    );
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
  const value = wellFormedValue(parsed);
  return { json: toJsonbText(value), value };
}

/** Deepest nesting kept as jsonb: Postgres parses jsonb recursively and fails past its stack limit. */
export const maxJsonbDepth = 1000;
/** Longest number token kept as jsonb: `numeric` overflows at 131,072 digits (`1e131072` too). */
const maxNumberLength = 1000;
const maxExponent = 16_000;

/**
 * Whether valid JSON text can be cast to jsonb: nested at most {@link maxJsonbDepth} deep, and every
 * number within what `numeric` holds. One pass over the text, outside strings only.
 */
export function jsonbStorable(json: string): boolean {
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < json.length && json.charCodeAt(i) !== 0x22; i++) {
        if (json.charCodeAt(i) === 0x5c /* \ */) i++;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > maxJsonbDepth) return false;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const match = /-?\d+(?:\.\d+)?(?:[eE]([+-]?\d+))?/y;
      match.lastIndex = i;
      const number = match.exec(json)!;
      if (number[0].length > maxNumberLength) return false;
      if (number[1] !== undefined && Math.abs(Number(number[1])) > maxExponent) return false;
      i += number[0].length - 1;
    }
  }
  return true;
}
