/**
 * Dev-only HTTP controls for the in-process Cal.com sandbox, under `/_dev/sandbox`: list the dev host's
 * bookings, and make "Cal.com" create, cancel, reschedule, confirm or decline one, which delivers the
 * matching signed webhook to the registered subscribers (the local webhook function) before answering.
 * The answer shows those deliveries, so a newcomer sees the webhook land.
 *
 * The dev server binds to 127.0.0.1 only; these routes have no auth, as they drive a fake.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { z } from "zod";
import { CalError, type Delivery, type Sandbox } from "../calcom_sandbox/mod.ts";

/** The sandbox and its dev host. */
export interface SandboxControlOptions {
  sandbox: Sandbox;
  /** The seeded dev host's Cal.com user id. */
  userId: number;
  /** The dev host's sandbox API key (a local fake key, shown on purpose). */
  apiKey: string;
}

/** A delivery as the controls show it: where it went and what our webhook function answered. */
export function summarizeDelivery(d: Delivery) {
  return { trigger: d.trigger, url: d.url, status: d.status, ...(d.error ? { error: d.error } : {}) };
}

function bookingSummary(b: Record<string, unknown>) {
  return { uid: b.uid, id: b.id, title: b.title, status: b.status, start: b.start, end: b.end };
}

const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO 8601 date-time");
const CancelSchema = z.object({ reason: z.string().max(500).optional() }).strict();
const RejectSchema = CancelSchema;
const RescheduleSchema = z.object({ start: isoDate, reason: z.string().max(500).optional() }).strict();
const CreateSchema = z.object({
  start: isoDate.optional(),
  title: z.string().max(200).optional(),
  lengthInMinutes: z.number().int().min(5).max(24 * 60).optional(),
  attendee: z.object({ name: z.string().min(1), email: z.email().optional() }).optional(),
}).strict();

function errorResponse(status: number, code: string, message: string, details?: unknown): Response {
  return Response.json({ success: false, error: { code, message, ...(details ? { details } : {}) } }, {
    status,
  });
}

async function readBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T> | Response> {
  const text = await c.req.text();
  let json: unknown = {};
  if (text.trim() !== "") {
    try {
      json = JSON.parse(text);
    } catch {
      return errorResponse(400, "invalid_request", "Request body is not valid JSON");
    }
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    return errorResponse(400, "invalid_request", "Request body is invalid", z.flattenError(result.error));
  }
  return result.data;
}

/**
 * Runs a sandbox action and answers with the booking(s) and the webhook deliveries it caused; a Cal.com
 * error (unknown uid, booking already cancelled) keeps its status.
 */
async function act(sandbox: Sandbox, action: () => Promise<unknown>): Promise<Response> {
  const before = sandbox.deliveries.length;
  try {
    const result = await action();
    return Response.json({
      success: true,
      ...(Array.isArray(result) ? { bookings: result } : { booking: result }),
      deliveries: sandbox.deliveries.slice(before).map(summarizeDelivery),
    });
  } catch (err) {
    if (err instanceof CalError) return errorResponse(err.status, "calcom_error", err.message);
    throw err;
  }
}

/** The `/_dev/sandbox` routes. */
export function createSandboxControl({ sandbox, userId, apiKey }: SandboxControlOptions): Hono {
  const app = new Hono();
  const base = "/_dev/sandbox";

  app.get(base, (c) =>
    c.json({
      url: sandbox.url,
      apiUrl: `${sandbox.url}/v2`,
      userId,
      apiKey,
      bookings: sandbox.bookings(userId).length,
      webhooks: sandbox.webhooks(userId).map((w) => ({
        id: w.id,
        subscriberUrl: w.subscriberUrl,
        active: w.active,
        triggers: w.triggers,
      })),
    }));

  app.get(`${base}/bookings`, (c) => {
    const status = c.req.query("status")?.toLowerCase();
    const limit = Math.min(Number(c.req.query("limit") ?? 20) || 20, 1000);
    const all = sandbox.bookings(userId).filter((b) => !status || String(b.status).toLowerCase() === status);
    // Upcoming first: what a newcomer wants to cancel or reschedule.
    const now = sandbox.now().getTime();
    const upcoming = all.filter((b) => Date.parse(String(b.start)) >= now);
    const past = all.filter((b) => Date.parse(String(b.start)) < now).reverse();
    return c.json({
      total: all.length,
      bookings: [...upcoming, ...past].slice(0, limit).map(bookingSummary),
    });
  });

  app.get(`${base}/bookings/:uid`, (c) => {
    const booking = sandbox.booking(c.req.param("uid"));
    return booking ? c.json({ booking }) : errorResponse(404, "not_found", "No such booking in the sandbox");
  });

  app.post(`${base}/bookings`, async (c) => {
    const body = await readBody(c, CreateSchema);
    if (body instanceof Response) return body;
    return await act(sandbox, () => sandbox.createBooking(userId, body));
  });

  app.post(`${base}/bookings/:uid/cancel`, async (c) => {
    const body = await readBody(c, CancelSchema);
    if (body instanceof Response) return body;
    return await act(sandbox, () => sandbox.cancelBooking(c.req.param("uid"), body.reason));
  });

  app.post(`${base}/bookings/:uid/reschedule`, async (c) => {
    const body = await readBody(c, RescheduleSchema);
    if (body instanceof Response) return body;
    return await act(
      sandbox,
      () => sandbox.rescheduleBooking(c.req.param("uid"), body.start, { reason: body.reason }),
    );
  });

  app.post(`${base}/bookings/:uid/confirm`, async (c) => {
    return await act(sandbox, () => sandbox.confirmBooking(c.req.param("uid")));
  });

  app.post(`${base}/bookings/:uid/reject`, async (c) => {
    const body = await readBody(c, RejectSchema);
    if (body instanceof Response) return body;
    return await act(sandbox, () => sandbox.rejectBooking(c.req.param("uid"), body.reason));
  });

  app.get(`${base}/deliveries`, (c) => {
    const limit = Math.min(Number(c.req.query("limit") ?? 20) || 20, 1000);
    return c.json({ deliveries: sandbox.deliveries.slice(-limit).map(summarizeDelivery) });
  });

  return app;
}
