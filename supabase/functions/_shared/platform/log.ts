/**
 * Structured logs: one JSON object per line, and never a secret in it. Fields whose names sound secret
 * (key, secret, token, authorization, password, cookie, signature) are replaced, and strings are scrubbed
 * of anything shaped like a Cal.com API key, a JWT, a bearer token or a URL password, wherever they hide (error messages
 * included).
 *
 * @module
 */

/** How bad it is. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A logger bound to some context fields. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
}

/** Where lines go; the default writes to the console (which Supabase collects). */
export type LogSink = (line: string, level: LogLevel) => void;

const REDACTED = "[redacted]";
const SECRET_FIELD = /pass(word)?|secret|token|authorization|api_?key|apikey|cookie|credential|signature/i;
const SECRET_TEXT: [RegExp, string][] = [
  [/\bcal_[A-Za-z0-9_-]{4,}/g, `cal_${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, `[jwt ${REDACTED}]`],
  [/\b(bearer)\s+\S+/gi, `$1 ${REDACTED}`],
  [/\bsb_(secret|publishable)_[A-Za-z0-9_-]+/g, `sb_$1_${REDACTED}`],
  // passwords in connection strings: postgres://user:password@host
  [/(\/\/[^:/?#@\s]+):[^@/\s]+@/g, `$1:${REDACTED}@`],
];

/**
 * Text each of `SECRET_TEXT`'s patterns needs, in one pass: most strings hold none of it, and then
 * none of the five replacements has to scan them.
 */
const MAY_HOLD_SECRET = /cal_|eyJ|bearer|sb_|@/i;

/** Removes secret-shaped substrings from a string. */
export function scrub(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of SECRET_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/** Whether a field's name sounds secret, remembered per name (log fields repeat the same few names). */
const secretFieldNames = new Map<string, boolean>();
function isSecretField(key: string): boolean {
  let secret = secretFieldNames.get(key);
  if (secret === undefined) {
    secret = SECRET_FIELD.test(key);
    if (secretFieldNames.size < 1000) secretFieldNames.set(key, secret);
  }
  return secret;
}

/**
 * A copy of `value` safe to log: secret-named fields replaced, strings scrubbed, errors reduced to
 * name, message, code and status, depth bounded.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrub(value);
  if (value === null || typeof value !== "object") return value;
  if (depth > 6) return "[deep]";
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; status?: unknown };
    return redact(
      { name: e.name, message: e.message, code: e.code, status: e.status },
      depth + 1,
    );
  }
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    out[key] = isSecretField(key) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

const consoleSink: LogSink = (line, level) => {
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
};

/** Creates a logger writing JSON lines `{time, level, msg, ...fields}` to `sink`. */
export function createLogger(
  options: { sink?: LogSink; fields?: Record<string, unknown>; now?: () => Date } = {},
): Logger {
  const sink = options.sink ?? consoleSink;
  const now = options.now ?? (() => new Date());
  const base = options.fields ?? {};
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    const line = redact({ ...base, ...fields }) as Record<string, unknown>;
    sink(JSON.stringify({ time: now().toISOString(), level, msg: scrub(message), ...line }), level);
  };
  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    child: (fields) => createLogger({ sink, now, fields: { ...base, ...fields } }),
  };
}

/** A logger that keeps its lines in memory, for tests that assert on what was (not) logged. */
export function createMemoryLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ sink: (line) => lines.push(line) }), lines };
}
