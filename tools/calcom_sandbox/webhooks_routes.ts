/**
 * User webhooks CRUD (contract §5): `POST /v2/webhooks` (201, UUID id, secret echoed, 409 on a duplicate
 * subscriber URL), `GET /v2/webhooks` (array, no pagination object), `GET|PATCH|DELETE
 * /v2/webhooks/{id}` (404 unknown, 403 someone else's; DELETE answers with the deleted webhook).
 *
 * @module
 */

import { z } from "zod";
import { CalError, validationError } from "./errors.ts";
import { uuidV4 } from "./ids.ts";
import { caller, type Handler, parseBody, type RouteContext, type RouteRequest } from "./route_context.ts";
import type { WebhookRecord } from "./store.ts";
import { checkSubscriberUrl } from "./subscriber_url.ts";

/** Triggers the API accepts (Cal.com's `WebhookTriggerEvents` enum in the spec). */
export const WEBHOOK_TRIGGERS = [
  "BOOKING_CREATED",
  "BOOKING_PAYMENT_INITIATED",
  "BOOKING_PAID",
  "BOOKING_RESCHEDULED",
  "BOOKING_REQUESTED",
  "BOOKING_CANCELLED",
  "BOOKING_REJECTED",
  "BOOKING_NO_SHOW_UPDATED",
  "FORM_SUBMITTED",
  "MEETING_ENDED",
  "MEETING_STARTED",
  "RECORDING_READY",
  "INSTANT_MEETING",
  "RECORDING_TRANSCRIPTION_GENERATED",
  "OOO_CREATED",
  "AFTER_HOSTS_CAL_VIDEO_NO_SHOW",
  "AFTER_GUESTS_CAL_VIDEO_NO_SHOW",
  "FORM_SUBMITTED_NO_EVENT",
  "ROUTING_FORM_FALLBACK_HIT",
  "DELEGATION_CREDENTIAL_ERROR",
  "WRONG_ASSIGNMENT_REPORT",
  // accepted by newer Cal.com (corrections §5)
  "BOOKING_LOCATION_UPDATED",
  "BOOKING_REASSIGNED",
  "INSTANT_MEETING_ACCEPTED",
  "CALENDAR_ENTRY_REJECTED",
  "DELEGATION_CREDENTIAL_SECRET_ROTATION_FAILED",
  "DELEGATION_CREDENTIAL_ROTATION_REQUIRED",
  "DELEGATION_CREDENTIAL_SECRET_ROTATED",
] as const;

/** Payload versions `inputs/webhook.input.ts` accepts (corrections §5). */
export const WEBHOOK_VERSIONS = ["2021-10-20", "2026-07-27"] as const;

const fields = {
  subscriberUrl: z.string(),
  triggers: z.array(z.enum(WEBHOOK_TRIGGERS)),
  active: z.boolean(),
  secret: z.string().optional(),
  payloadTemplate: z.string().optional(),
  version: z.enum(WEBHOOK_VERSIONS).optional(),
  time: z.number().int().optional(),
  timeUnit: z.enum(["DAY", "HOUR", "MINUTE"]).optional(),
};
const CreateWebhookSchema = z.object(fields);
const UpdateWebhookSchema = z.object(fields).partial();

/** `UserWebhookOutputDto`, in the order Cal.com's example shows. */
export function toWebhookOutput(w: WebhookRecord): Record<string, unknown> {
  return {
    payloadTemplate: w.payloadTemplate,
    triggers: [...w.triggers],
    id: w.id,
    subscriberUrl: w.subscriberUrl,
    active: w.active,
    secret: w.secret,
    userId: w.userId,
  };
}

function assertUniqueUrl(ctx: RouteContext, userId: number, url: string, except?: string): void {
  if (ctx.store.webhooksOf(userId).some((w) => w.subscriberUrl === url && w.id !== except)) {
    throw new CalError(409, "Webhook with this subscriber url already exists for this user");
  }
}

function checkTriggers(triggers: string[] | undefined): void {
  if (triggers?.includes("DELEGATION_CREDENTIAL_ERROR")) {
    throw new CalError(
      400,
      "DELEGATION_CREDENTIAL_ERROR trigger is only available for organization webhooks",
    );
  }
}

/** The caller's webhook `id`, or Cal.com's 404 / 403 (`IsUserWebhookGuard`). */
function ownedWebhook(ctx: RouteContext, req: RouteRequest): WebhookRecord {
  const user = caller(req);
  const w = ctx.store.webhooks.get(req.params.id);
  if (!w) throw new CalError(404, `Webhook (${req.params.id}) not found`);
  if (w.userId !== user.id) {
    throw new CalError(
      403,
      `IsUserWebhookGuard - user with id=(${user.id}) is not the owner of webhook with id=(${w.id})`,
    );
  }
  return w;
}

/** `POST /v2/webhooks`. */
export const createWebhook: Handler = (ctx, req) => {
  const user = caller(req);
  const input = parseBody(CreateWebhookSchema, req.body);
  checkTriggers(input.triggers);
  checkSubscriberUrl(ctx.subscriberUrlRules, input.subscriberUrl);
  assertUniqueUrl(ctx, user.id, input.subscriberUrl);
  const w: WebhookRecord = {
    id: uuidV4(ctx.random),
    userId: user.id,
    subscriberUrl: input.subscriberUrl,
    triggers: input.triggers,
    active: input.active,
    payloadTemplate: input.payloadTemplate ?? null,
    secret: input.secret ?? null,
    time: input.time ?? null,
    timeUnit: input.timeUnit ?? null,
    version: input.version ?? ctx.defaultWebhookVersion,
    createdAt: ctx.now(),
  };
  ctx.store.webhooks.set(w.id, w);
  return { status: 201, data: toWebhookOutput(w) };
};

/** `GET /v2/webhooks?take=&skip=`: an array without a pagination object. */
export const listWebhooks: Handler = (ctx, req) => {
  const user = caller(req);
  const errors: string[] = [];
  const int = (name: string, min: number, max: number, fallback: number) => {
    const raw = req.query.get(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      errors.push(`${name} must be an integer from ${min} to ${max}`);
    }
    return n;
  };
  const take = int("take", 1, 250, 250);
  const skip = int("skip", 0, Number.MAX_SAFE_INTEGER, 0);
  if (errors.length) throw validationError(errors);
  return { status: 200, data: ctx.store.webhooksOf(user.id).slice(skip, skip + take).map(toWebhookOutput) };
};

/**
 * `GET /v2/webhooks/{id}`. Cal.com converts this one without `excludeAll`, so more columns likely show
 * (UNCONFIRMED); the sandbox adds the ones the contract names.
 */
export const getWebhook: Handler = (ctx, req) => {
  const w = ownedWebhook(ctx, req);
  return {
    status: 200,
    data: {
      ...toWebhookOutput(w),
      teamId: null,
      eventTypeId: null,
      createdAt: new Date(w.createdAt).toISOString(),
      appId: null,
      platform: false,
      time: w.time,
      timeUnit: w.timeUnit,
      version: w.version,
      platformOAuthClientId: null,
    },
  };
};

/** `PATCH /v2/webhooks/{id}`: partial; `triggers` replaces the whole list. */
export const updateWebhook: Handler = (ctx, req) => {
  const w = ownedWebhook(ctx, req);
  const input = parseBody(UpdateWebhookSchema, req.body);
  checkTriggers(input.triggers);
  if (input.subscriberUrl !== undefined) {
    checkSubscriberUrl(ctx.subscriberUrlRules, input.subscriberUrl);
    assertUniqueUrl(ctx, w.userId, input.subscriberUrl, w.id);
    w.subscriberUrl = input.subscriberUrl;
  }
  if (input.triggers !== undefined) w.triggers = input.triggers;
  if (input.active !== undefined) w.active = input.active;
  if (input.secret !== undefined) w.secret = input.secret;
  if (input.payloadTemplate !== undefined) w.payloadTemplate = input.payloadTemplate;
  if (input.time !== undefined) w.time = input.time;
  if (input.timeUnit !== undefined) w.timeUnit = input.timeUnit;
  if (input.version !== undefined) w.version = input.version;
  return { status: 200, data: toWebhookOutput(w) };
};

/** `DELETE /v2/webhooks/{id}`: answers with the deleted webhook. */
export const deleteWebhook: Handler = (ctx, req) => {
  const w = ownedWebhook(ctx, req);
  ctx.store.webhooks.delete(w.id);
  return { status: 200, data: toWebhookOutput(w) };
};
