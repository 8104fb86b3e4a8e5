/**
 * Log lines in the dev server's terminal: the gateway writes one line per request; the functions' own
 * JSON log lines (already free of secrets) are shortened to `<fn> <level> <msg> key=value…`, and their
 * per-request line is dropped, since the gateway's line says the same.
 *
 * @module
 */
import type { LogLevel, LogSink } from "../../supabase/functions/_shared/platform/log.ts";

function show(value: unknown): string {
  return typeof value === "string"
    ? (/\s/.test(value) ? JSON.stringify(value) : value)
    : JSON.stringify(value);
}

/** One function log line (JSON) in short form, or undefined for lines the gateway's log already covers. */
export function formatFunctionLog(line: string, level: LogLevel): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  const { time: _time, level: _level, msg, fn, ...fields } = entry;
  if (msg === "request" && level === "info") return undefined;
  const rest = Object.entries(fields).map(([k, v]) => `${k}=${show(v)}`).join(" ");
  return [fn ?? "function", level, msg, rest].filter((part) => part !== undefined && part !== "").join(" ");
}

/** A log sink for the functions' loggers that writes short lines through `log`. */
export function devLogSink(log: (line: string) => void): LogSink {
  return (line, level) => {
    const short = formatFunctionLog(line, level);
    if (short !== undefined) log(short);
  };
}
