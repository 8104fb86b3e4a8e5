/**
 * Whether a string is a UUID in its canonical text form: the shape of every id a route takes, checked before
 * any query so a malformed id is a 404 or 400, never a Postgres cast error.
 */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
