/**
 * `npm run test:live`: checks this project's reading of Cal.com against a real Cal.com (not part of
 * `npm test`: it needs an account and the network). With `CALCOM_LIVE_API_KEY` (and optionally
 * `CALCOM_LIVE_API_URL`, default https://api.cal.com, for a self-hosted instance) it calls the API
 * read-only (`/v2/me`, one page of bookings in each version the client knows (2024-08-13 with offsets, hosted
 * Cal.com's 2026-05-01 with a cursor; the report says which one the sync will page with), the event types and a week of
 * slots of the first one, the webhooks list), creates
 * one inactive webhook with an HTTPS example URL and deletes it again, validates every answer with the
 * client's own schemas, and prints what matched and what did not. Nothing it prints holds the key or a
 * webhook secret. Exit code 0 when everything matched, 1 otherwise, 2 on bad usage.
 *
 * @module
 */
import type { z } from "zod";
import {
  BookingCursorResponseSchema,
  BookingListResponseSchema,
  MeSchema,
  successEnvelope,
  WebhookSchema,
} from "../../supabase/functions/_shared/calcom/schemas.ts";
import {
  bookingsApiVersion,
  cursorBookingsApiVersion,
} from "../../supabase/functions/_shared/calcom/transport.ts";
import {
  defaultCalcomApiUrl,
  eventTypesApiVersion,
  slotsApiVersion,
} from "../../supabase/functions/_shared/calcom/client.ts";
import {
  EventTypeSchema,
  SlotsByDaySchema,
} from "../../supabase/functions/_shared/calcom/scheduling_schemas.ts";

/** One line of the report. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** What was seen: status, schema issues, notable fields. Never a secret. */
  detail: string;
}

/** Options of {@linkcode runLiveCheck}. */
export interface LiveCheckOptions {
  apiKey: string;
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Per request, default 20 000 ms. */
  timeoutMs?: number;
}

const MeResponse = successEnvelope(MeSchema);
const WebhookResponse = successEnvelope(WebhookSchema);
const WebhookListResponse = successEnvelope(WebhookSchema.array());
const EventTypeListResponse = successEnvelope(EventTypeSchema.array());
const SlotsResponse = successEnvelope(SlotsByDaySchema);

/** Versions of `GET /v2/bookings` to try: 2024-08-13 (offsets), and hosted Cal.com's cursor version. */
const bookingVersions = [bookingsApiVersion, cursorBookingsApiVersion] as const;

/** Runs every check in order and returns their results; it stops early only when the key is refused. */
export async function runLiveCheck(options: LiveCheckOptions): Promise<CheckResult[]> {
  const baseUrl = (options.baseUrl ?? defaultCalcomApiUrl).replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const secrets = [options.apiKey];
  const results: CheckResult[] = [];

  async function call(method: string, path: string, init: { version?: string; body?: unknown } = {}) {
    const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}` };
    if (init.version) headers["cal-api-version"] = init.version;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const res = await doFetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
    });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = JSON.parse(text);
    } catch {
      // Not JSON: reported through the schema check.
    }
    return { status: res.status, headers: res.headers, json };
  }

  function record(name: string, ok: boolean, detail: string) {
    let clean = detail;
    for (const s of secrets) if (s) clean = clean.replaceAll(s, "[redacted]");
    results.push({ name, ok, detail: clean });
  }

  function validate<T extends z.ZodType>(
    name: string,
    res: { status: number; json: unknown },
    expected: number,
    schema: T,
    describe: (data: z.output<T>) => string,
  ): z.output<T> | undefined {
    if (res.status !== expected) {
      record(name, false, `answered ${res.status}, expected ${expected}: ${errorSummary(res.json)}`);
      return undefined;
    }
    const parsed = schema.safeParse(res.json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) =>
        `${i.path.join(".") || "(body)"}: ${i.message}`
      );
      record(name, false, `does not match the client's schema: ${issues.join("; ")}`);
      return undefined;
    }
    record(name, true, describe(parsed.data));
    return parsed.data;
  }

  const attempt = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      record(name, false, `failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  let authorised = false;
  await attempt("GET /v2/me", async () => {
    const res = await call("GET", "/v2/me");
    const me = validate(
      "GET /v2/me",
      res,
      200,
      MeResponse,
      (b) =>
        `user ${b.data.id} (${b.data.username ?? "no username"}), time zone ${b.data.timeZone ?? "none"}`,
    );
    authorised = me !== undefined;
    const limit = res.headers.get("x-ratelimit-limit-default") ?? res.headers.get("x-ratelimit-limit");
    if (limit) {
      record(
        "rate limit headers",
        true,
        `limit ${limit}, remaining ${
          res.headers.get("x-ratelimit-remaining-default") ?? res.headers.get("x-ratelimit-remaining")
        }, reset ${res.headers.get("x-ratelimit-reset-default") ?? res.headers.get("x-ratelimit-reset")}`,
      );
    }
  });
  if (!authorised) return results;

  for (const version of bookingVersions) {
    const name = `GET /v2/bookings (cal-api-version ${version})`;
    await attempt(name, async () => {
      const query = version === bookingsApiVersion
        ? "?take=10&sortUpdatedAt=asc"
        : "?limit=10&sortUpdatedAt=desc";
      const res = await call("GET", `/v2/bookings${query}`, { version });
      if (version === bookingsApiVersion) {
        validate(
          name,
          res,
          200,
          BookingListResponseSchema,
          (b) =>
            `${b.data.length} bookings, totalItems ${b.pagination.totalItems}, hasNextPage ${b.pagination.hasNextPage}`,
        );
        return;
      }
      // Not served (a self-hosted instance answers its legacy list, or an error): the sync pages with
      // 2024-08-13 offsets there, so that is no mismatch; served, it must match the client's schema.
      const body = res.json as { data?: unknown } | undefined;
      if (res.status !== 200 || !Array.isArray(body?.data)) {
        record(
          name,
          true,
          `not served (answered ${res.status}${
            res.status === 200 ? " without a bookings array" : `: ${errorSummary(res.json)}`
          }): the sync pages with ${bookingsApiVersion} offsets here`,
        );
        return;
      }
      validate(
        name,
        res,
        200,
        BookingCursorResponseSchema,
        (b) =>
          `${b.data.length} bookings, hasMore ${b.pagination.hasMore}, nextCursor ${
            b.pagination.nextCursor === null ? "null" : "present"
          }: the sync pages by cursor here`,
      );
    });
  }

  let firstEventType: number | undefined;
  await attempt("GET /v2/event-types", async () => {
    const res = await call("GET", "/v2/event-types", { version: eventTypesApiVersion });
    const list = validate(
      "GET /v2/event-types",
      res,
      200,
      EventTypeListResponse,
      (b) => `${b.data.length} event types${b.data[0] ? `, first ${b.data[0].slug} (${b.data[0].id})` : ""}`,
    );
    firstEventType = list?.data[0]?.id;
  });
  if (firstEventType !== undefined) {
    await attempt("GET /v2/slots", async () => {
      // A week from today: what an app offering times asks for.
      const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
      const query = new URLSearchParams({ eventTypeId: String(firstEventType), start: day(0), end: day(6) });
      const res = await call("GET", `/v2/slots?${query}`, { version: slotsApiVersion });
      validate("GET /v2/slots", res, 200, SlotsResponse, (b) => {
        const days = Object.keys(b.data);
        return `${days.reduce((n, d) => n + b.data[d].length, 0)} slots on ${days.length} days`;
      });
    });
  }

  await attempt("GET /v2/webhooks", async () => {
    const res = await call("GET", "/v2/webhooks?take=250&skip=0");
    validate("GET /v2/webhooks", res, 200, WebhookListResponse, (b) => `${b.data.length} webhooks`);
  });

  const subscriberUrl = `https://example.com/calcom-supabase-live-check/${crypto.randomUUID()}`;
  const secret = crypto.getRandomValues(new Uint8Array(24)).reduce(
    (s, b) => s + b.toString(16).padStart(2, "0"),
    "",
  );
  secrets.push(secret);
  let webhookId: string | undefined;
  await attempt("POST /v2/webhooks", async () => {
    const res = await call("POST", "/v2/webhooks", {
      body: { subscriberUrl, triggers: ["BOOKING_CREATED"], active: false, secret },
    });
    const created = validate(
      "POST /v2/webhooks",
      res,
      201,
      WebhookResponse,
      (b) => `created webhook ${b.data.id} for ${b.data.subscriberUrl}, active ${b.data.active}`,
    );
    webhookId = created?.data.id;
  });
  if (webhookId !== undefined) {
    await attempt("DELETE /v2/webhooks/{id}", async () => {
      const res = await call("DELETE", `/v2/webhooks/${encodeURIComponent(webhookId!)}`);
      record("DELETE /v2/webhooks/{id}", res.status === 200, `answered ${res.status}`);
      const after = await call("GET", "/v2/webhooks?take=250&skip=0");
      const left = (after.json as { data?: { subscriberUrl?: string }[] })?.data?.some((w) =>
        w.subscriberUrl === subscriberUrl
      );
      record(
        "the test webhook is gone",
        left === false,
        left ? `still listed: delete ${subscriberUrl} by hand` : "not listed any more",
      );
    });
  }
  return results;
}

/** Cal.com's error envelope in one line (`code: message`), or the status alone. */
function errorSummary(json: unknown): string {
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (error && typeof error === "object") return `${String(error.code)}: ${String(error.message)}`;
  return json === undefined ? "a body that is not JSON" : "no error envelope";
}

/** The report as text: one line per check, then a total. */
export function renderReport(baseUrl: string, results: CheckResult[]): string {
  const lines = [`Cal.com live check against ${baseUrl}`];
  for (const r of results) lines.push(`${r.ok ? "ok  " : "FAIL"} ${r.name.padEnd(42)} ${r.detail}`);
  const failed = results.filter((r) => !r.ok).length;
  lines.push(`live: ${results.length - failed} passed, ${failed} failed`);
  return lines.join("\n");
}

if (import.meta.main) {
  const apiKey = Deno.env.get("CALCOM_LIVE_API_KEY");
  if (!apiKey) {
    console.error(
      "Set CALCOM_LIVE_API_KEY to a Cal.com API key (Settings → Developer → API keys); CALCOM_LIVE_API_URL optionally names a self-hosted instance",
    );
    Deno.exit(2);
  }
  const baseUrl = Deno.env.get("CALCOM_LIVE_API_URL") ?? defaultCalcomApiUrl;
  const results = await runLiveCheck({ apiKey, baseUrl });
  console.log(renderReport(baseUrl, results));
  Deno.exit(results.every((r) => r.ok) ? 0 : 1);
}
