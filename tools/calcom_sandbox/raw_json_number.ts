/**
 * A number written into the sandbox's JSON answers exactly as given, for values a JavaScript number
 * cannot hold (a booking id above 2^53): `setApiFields(uid, { id: rawJsonNumber("9007199254740993") })`.
 *
 * @module
 */

/** `JSON.rawJSON(text)` (not in TypeScript's lib yet); `text` must be a JSON number. */
export function rawJsonNumber(text: string): unknown {
  if (!/^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) throw new Error(`Not a JSON number: ${text}`);
  return (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(text);
}
