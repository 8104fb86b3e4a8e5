/**
 * Builds the OpenAPI 3.1 document of the three functions from their own zod schemas (zod 4's
 * `z.toJSONSchema`): request bodies and queries as the functions validate them (`io: "input"`), answers as
 * the response schemas beside the views describe them, errors as `ErrorBodySchema`. Schemas that carry a
 * `.meta({ id })` become `components.schemas` entries and are referenced by `$ref`.
 *
 * `deno task openapi` writes it to docs/openapi.json; openapi_document_test.ts fails when the committed file
 * differs from what the code generates.
 *
 * @module
 */
import { z } from "zod";
import { ErrorBodySchema } from "../../supabase/functions/_shared/platform/api_error.ts";
import {
  ReadPageSchema,
  ReconcileResultSchema,
  ScheduledSummarySchema,
  SetAsidePageSchema,
  SyncResultSchema,
  WorkerSummarySchema,
} from "../../supabase/functions/calcom-bookings-sync/responses.ts";
import { WorkerBodySchema } from "../../supabase/functions/calcom-bookings-sync/sync_worker.ts";
import {
  ReadQuerySchema,
  SyncBodySchema,
} from "../../supabase/functions/calcom-bookings-sync/sync_request.ts";
import { cronSecretHeader } from "../../supabase/functions/calcom-bookings-sync/cron_auth.ts";
import {
  CreateBookingBodySchema,
  CreateBookingResponseSchema,
} from "../../supabase/functions/calcom-bookings-sync/create_booking.ts";
import {
  EventTypesQuerySchema,
  EventTypesResponseSchema,
} from "../../supabase/functions/calcom-bookings-sync/event_types_app.ts";
import {
  SlotsQuerySchema,
  SlotsResponseSchema,
} from "../../supabase/functions/calcom-bookings-sync/slots_app.ts";
import {
  BookingActionQuerySchema,
  BookingActionResponseSchema,
  CancelBookingBodySchema,
  ConfirmBookingBodySchema,
  DeclineBookingBodySchema,
  MarkAbsentBodySchema,
  RescheduleBookingBodySchema,
} from "../../supabase/functions/calcom-bookings-sync/booking_action_request.ts";
import {
  ConnectRequestSchema,
  DisconnectQuerySchema,
} from "../../supabase/functions/calcom-connection/connect_request.ts";
import {
  ConnectionListSchema,
  ConnectResultSchema,
  DisconnectResultSchema,
  UpdateResultSchema,
} from "../../supabase/functions/calcom-connection/responses.ts";
import {
  UpdateQuerySchema,
  UpdateRequestSchema,
} from "../../supabase/functions/calcom-connection/update_request.ts";
import {
  OAuthStartRequestSchema,
  OAuthStartResultSchema,
} from "../../supabase/functions/calcom-connection/oauth_app.ts";
import {
  DeliveryReceiptSchema,
  ReplayResponseSchema,
} from "../../supabase/functions/calcom-webhook/responses.ts";

/** Where the document is committed. */
export const openApiFileUrl = new URL("../../docs/openapi.json", import.meta.url);

type JsonSchema = Record<string, unknown>;
type Io = "input" | "output";

/** Collects component schemas while operations are described. */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  /**
   * The JSON Schema of `schema`, as a `$ref` when it (or a part of it) has an id: its definitions move to
   * `components.schemas`. `name` gives an id to a schema that has none (request bodies).
   */
  ref(schema: z.ZodType, io: Io, name?: string): JsonSchema {
    const { $schema: _, $defs, ...root } = z.toJSONSchema(schema, {
      io,
      // a preprocess or transform has no JSON Schema of its own: its input is described by what follows it
      unrepresentable: "any",
      target: "draft-2020-12",
    }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    for (const [id, def] of Object.entries($defs ?? {})) this.add(id, def);
    const rooted = relink(root);
    if (name === undefined || "$ref" in rooted) return rooted;
    this.add(name, rooted);
    return { $ref: `#/components/schemas/${name}` };
  }

  private add(id: string, def: JsonSchema): void {
    const linked = relink(def);
    const known = this.schemas[id];
    if (known && JSON.stringify(known) !== JSON.stringify(linked)) {
      throw new Error(`Cannot describe schema ${id}: two different schemas carry that id`);
    }
    this.schemas[id] = linked;
  }

  /** Query parameters from an object schema's input shape. */
  query(schema: z.ZodObject): unknown[] {
    const { properties = {}, required = [] } = z.toJSONSchema(schema, {
      io: "input",
      unrepresentable: "any",
    }) as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    return Object.entries(properties).map(([name, property]) => {
      const { description, ...rest } = relink(property);
      return {
        name,
        in: "query",
        required: required.includes(name),
        ...(description === undefined ? {} : { description }),
        schema: rest,
      };
    });
  }
}

/**
 * Points zod's `#/$defs/X` references at `#/components/schemas/X`, and drops the long regular expressions
 * zod adds beside a `format` that already says it (uuid, date-time): the document stays readable.
 */
function relink(value: JsonSchema): JsonSchema {
  const text = JSON.stringify(value, (_key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v) && FORMATS_WITHOUT_PATTERN.has(v.format)) {
      const { pattern: _, ...rest } = v;
      return rest;
    }
    return v;
  });
  return JSON.parse(text.replaceAll('"#/$defs/', '"#/components/schemas/'));
}

const FORMATS_WITHOUT_PATTERN = new Set(["uuid", "date-time"]);

/** What each error status means, for the operations that can answer it. */
const ERROR_MEANING: Record<number, string> = {
  400:
    "Invalid request (`invalid_request`, `details.issues` names each field) or a key Cal.com refused (`invalid_api_key`)",
  401: "No valid user token (`unauthorized`)",
  403: "An OAuth connection lacks a scope the route needs (`insufficient_scope`): reconnect Cal.com",
  404: "Not found, or not the caller's (`not_found`); OAuth not configured (`oauth_not_configured`)",
  409:
    "A conflict (`conflict`): a concurrent change, a paused connection, or Cal.com's refusal of the booking's state or slot (`details.reason`)",
  413: "Request body over 1 MB (`payload_too_large`)",
  502: "Cal.com failed or could not be reached (`calcom_unavailable`)",
  500: "Internal error (`internal_error`); the message is always generic",
};

function json(schema: JsonSchema, description: string) {
  return { description, content: { "application/json": { schema } } };
}

function errors(components: Components, statuses: number[]): Record<string, unknown> {
  const body = components.ref(ErrorBodySchema, "output");
  return Object.fromEntries(statuses.map((status) => [String(status), json(body, ERROR_MEANING[status])]));
}

/** The OpenAPI 3.1 document of calcom-connection, calcom-bookings-sync and calcom-webhook. */
export function buildOpenApiDocument(): Record<string, unknown> {
  const c = new Components();
  const body = (schema: z.ZodType, name: string) => ({
    required: true,
    content: { "application/json": { schema: c.ref(schema, "input", name) } },
  });
  const out = (schema: z.ZodType) => c.ref(schema, "output");
  const userErrors = [400, 401, 413, 500];
  const connectionIdParameter = {
    name: "connectionId",
    in: "path",
    required: true,
    schema: { type: "string", format: "uuid" },
  };

  const uidParameter = {
    name: "uid",
    in: "path",
    required: true,
    description: "The Cal.com booking uid of one of the caller's stored bookings",
    schema: { type: "string" },
  };
  /** One booking action route: `POST /calcom-bookings-sync/bookings/{uid}/<action>`. */
  const action = (operationId: string, summary: string, schema: z.ZodType, name: string) => ({
    post: {
      operationId,
      summary,
      description:
        "Through Cal.com with the connection's key; the answer is the booking as now stored. Cal.com's " +
        "refusals answer 409 `conflict` (the booking's or slot's state) or 400 `invalid_request` with " +
        "`details.reason` and `details.calcom`; a paused connection is a 409 (`connection_paused`).",
      tags: ["calcom-bookings-sync"],
      parameters: [uidParameter, ...c.query(BookingActionQuerySchema)],
      requestBody: body(schema, name),
      responses: {
        "200": json(out(BookingActionResponseSchema), "The booking as now stored"),
        ...errors(c, [...userErrors, 404, 409, 502]),
      },
    },
  });

  const paths = {
    "/calcom-connection": {
      get: {
        operationId: "listConnections",
        summary: "The caller's Cal.com connections, oldest first",
        tags: ["calcom-connection"],
        responses: { "200": json(out(ConnectionListSchema), "The connections"), ...errors(c, [401, 500]) },
      },
      post: {
        operationId: "connect",
        summary: "Connect (or reconnect) a Cal.com account with its API key",
        tags: ["calcom-connection"],
        requestBody: body(ConnectRequestSchema, "ConnectRequest"),
        responses: {
          "200": json(out(ConnectResultSchema), "Reconnected: the existing connection, updated"),
          "201": json(out(ConnectResultSchema), "Connected: a new connection"),
          ...errors(c, [...userErrors, 409, 502]),
        },
      },
      patch: {
        operationId: "updateConnection",
        summary: "Rename, pause or resume one of the caller's connections",
        tags: ["calcom-connection"],
        parameters: c.query(UpdateQuerySchema),
        requestBody: body(UpdateRequestSchema, "UpdateRequest"),
        responses: {
          "200": json(out(UpdateResultSchema), "The connection as it is now"),
          ...errors(c, [...userErrors, 404]),
        },
      },
      delete: {
        operationId: "disconnect",
        summary: "Disconnect a connection (its bookings, events and runs go with it)",
        tags: ["calcom-connection"],
        parameters: c.query(DisconnectQuerySchema),
        responses: {
          "200": json(out(DisconnectResultSchema), "Disconnected"),
          ...errors(c, [400, 401, 404, 500]),
        },
      },
    },
    "/calcom-connection/oauth/start": {
      post: {
        operationId: "startOAuth",
        summary: "Continue with Cal.com: the consent URL for the caller (404 when OAuth is not configured)",
        description: "Cal.com sends the browser back to `GET /calcom-connection/oauth/callback` (no JWT), " +
          "which redirects (302) to the app's return URL with `calcom_status` and `calcom_connection_id` or " +
          "`calcom_error`; see docs/api.md.",
        tags: ["calcom-connection"],
        requestBody: body(OAuthStartRequestSchema, "OAuthStartRequest"),
        responses: {
          "200": json(out(OAuthStartResultSchema), "Where to send the browser"),
          ...errors(c, [...userErrors, 404]),
        },
      },
    },
    "/calcom-connection/oauth/callback": {
      get: {
        operationId: "finishOAuth",
        summary: "Where Cal.com sends the browser back (no JWT): always a redirect to an allowed return URL",
        tags: ["calcom-connection"],
        security: [],
        parameters: [
          { name: "code", in: "query", required: false, schema: { type: "string" } },
          { name: "state", in: "query", required: false, schema: { type: "string" } },
          { name: "error", in: "query", required: false, schema: { type: "string" } },
        ],
        responses: {
          "302": {
            description: "To the return URL with `calcom_status=connected&calcom_connection_id=…` or " +
              "`calcom_status=error&calcom_error=…`",
          },
          ...errors(c, [404]),
        },
      },
    },
    "/calcom-bookings-sync": {
      post: {
        operationId: "syncBookings",
        summary: "Sync now: one call of a run, `partial` means call again to continue",
        tags: ["calcom-bookings-sync"],
        requestBody: body(SyncBodySchema, "SyncRequest"),
        responses: {
          "200": json(
            { oneOf: [out(SyncResultSchema), out(ReconcileResultSchema)] },
            "The call's numbers (a reconciliation's with `mode: \"reconcile\"`)",
          ),
          ...errors(c, [...userErrors, 404, 409, 502]),
        },
      },
      get: {
        operationId: "readBookings",
        summary:
          "A page of stored bookings (with `fromDb=true`), keyset-paginated by `cursor`; with `setAside=true` the bookings set aside as unstorable",
        tags: ["calcom-bookings-sync"],
        parameters: c.query(ReadQuerySchema),
        responses: {
          "200": json(
            { oneOf: [out(ReadPageSchema), out(SetAsidePageSchema)] },
            "A page of bookings, or (with `setAside=true`) the bookings set aside",
          ),
          ...errors(c, [400, 401, 404, 409, 500, 502]),
        },
      },
    },
    "/calcom-bookings-sync/scheduled": {
      post: {
        operationId: "syncScheduled",
        summary: "Sync the due connections through parallel workers (for pg_cron, behind the cron secret)",
        tags: ["calcom-bookings-sync"],
        security: [{ cronSecret: [] }],
        responses: {
          "200": json(out(ScheduledSummarySchema), "What the call did"),
          ...errors(c, [401, 500]),
        },
      },
    },
    "/calcom-bookings-sync/scheduled/work": {
      post: {
        operationId: "syncScheduledWorker",
        summary:
          "One worker of the scheduled sync: claims due connections under leases (the dispatcher calls it)",
        tags: ["calcom-bookings-sync"],
        security: [{ cronSecret: [] }],
        requestBody: body(WorkerBodySchema, "WorkerRequest"),
        responses: {
          "200": json(out(WorkerSummarySchema), "What the worker did"),
          ...errors(c, [400, 401, 500]),
        },
      },
    },
    "/calcom-bookings-sync/event-types": {
      get: {
        operationId: "listEventTypes",
        summary: "The event types of the caller's Cal.com account (`connectionId` when they have several)",
        tags: ["calcom-bookings-sync"],
        parameters: c.query(EventTypesQuerySchema),
        responses: {
          "200": json(out(EventTypesResponseSchema), "The account's own event types"),
          ...errors(c, [400, 401, 403, 404, 409, 500, 502]),
        },
      },
    },
    "/calcom-bookings-sync/slots": {
      get: {
        operationId: "listSlots",
        summary: "Free slots of one of the caller's event types, by day (at most 31 days)",
        tags: ["calcom-bookings-sync"],
        parameters: c.query(SlotsQuerySchema),
        responses: {
          "200": json(out(SlotsResponseSchema), "Free slots by day"),
          ...errors(c, [400, 401, 403, 404, 409, 500, 502]),
        },
      },
    },
    "/calcom-bookings-sync/bookings": {
      post: {
        operationId: "createBooking",
        summary: "Book one of the caller's event types at a free slot, stored at once",
        description: "A retry with the same `Idempotency-Key` and body answers the same booking " +
          "(`Idempotent-Replayed: true`); the same key with another body is a 409.",
        tags: ["calcom-bookings-sync"],
        parameters: [{
          name: "Idempotency-Key",
          in: "header",
          required: false,
          description: "Printable ASCII, 1–255 characters; a retry with it books once",
          schema: { type: "string", minLength: 1, maxLength: 255 },
        }],
        requestBody: body(CreateBookingBodySchema, "CreateBookingRequest"),
        responses: {
          "201": json(out(CreateBookingResponseSchema), "The booking as now stored"),
          ...errors(c, [...userErrors, 403, 404, 409, 502]),
        },
      },
    },
    "/calcom-bookings-sync/bookings/{uid}/cancel": action(
      "cancelBooking",
      "Cancel a stored booking (one seat, or an occurrence and those after it)",
      CancelBookingBodySchema,
      "CancelBookingRequest",
    ),
    "/calcom-bookings-sync/bookings/{uid}/reschedule": action(
      "rescheduleBooking",
      "Move a stored booking to a new start: answers the new booking and the one it replaced",
      RescheduleBookingBodySchema,
      "RescheduleBookingRequest",
    ),
    "/calcom-bookings-sync/bookings/{uid}/confirm": action(
      "confirmBooking",
      "Accept a stored booking that waits for confirmation",
      ConfirmBookingBodySchema,
      "ConfirmBookingRequest",
    ),
    "/calcom-bookings-sync/bookings/{uid}/decline": action(
      "declineBooking",
      "Decline a stored booking that waits for confirmation",
      DeclineBookingBodySchema,
      "DeclineBookingRequest",
    ),
    "/calcom-bookings-sync/bookings/{uid}/mark-absent": action(
      "markBookingAbsent",
      "Record the host or attendees of a stored booking absent (attendees also present again)",
      MarkAbsentBodySchema,
      "MarkAbsentRequest",
    ),
    "/calcom-webhook/{connectionId}": {
      post: {
        operationId: "receiveWebhook",
        summary: "A Cal.com webhook delivery, verified by its signature",
        tags: ["calcom-webhook"],
        security: [{ calSignature: [] }],
        parameters: [connectionIdParameter],
        requestBody: {
          required: true,
          description: "Cal.com's body as it sent it: the signature covers the exact bytes",
          content: { "application/json": { schema: {} } },
        },
        responses: {
          "200": json(out(DeliveryReceiptSchema), "Received (and logged, applied when it could be)"),
          "202": json(out(DeliveryReceiptSchema), "Beyond the connection's quota: deferred to the next sync"),
          ...errors(c, [401, 404, 413, 500]),
        },
      },
    },
    "/calcom-webhook/{connectionId}/replay": {
      post: {
        operationId: "replayWebhookEvents",
        summary: "Re-process the connection's unprocessed verified events, oldest first",
        tags: ["calcom-webhook"],
        parameters: [connectionIdParameter],
        responses: {
          "200": json(out(ReplayResponseSchema), "What the replay did"),
          ...errors(c, [401, 404, 500]),
        },
      },
    },
  };

  return {
    openapi: "3.1.0",
    info: {
      title: "calcom-supabase Edge Functions",
      version: "1",
      description:
        "Generated from the functions' zod schemas by tools/openapi/generate_openapi.ts; see docs/api.md.",
    },
    servers: [{
      url: "{supabaseUrl}/functions/v1",
      variables: {
        supabaseUrl: { default: "http://127.0.0.1:54321", description: "The project's SUPABASE_URL" },
      },
    }],
    security: [{ bearer: [] }],
    tags: [{ name: "calcom-connection" }, { name: "calcom-bookings-sync" }, { name: "calcom-webhook" }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(c.schemas).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "A signed-in user's Supabase access token (never the anon or service key)",
        },
        calSignature: {
          type: "apiKey",
          in: "header",
          name: "X-Cal-Signature-256",
          description: "HMAC-SHA256 (hex) of the exact body with the connection's webhook secret",
        },
        cronSecret: {
          type: "apiKey",
          in: "header",
          name: cronSecretHeader,
          description: "CALCOM_CRON_SECRET",
        },
      },
    },
  };
}

/** The document as committed: two-space JSON, formatted by `deno fmt`. */
export function openApiText(document: Record<string, unknown>): string {
  return JSON.stringify(document, null, 2) + "\n";
}

if (import.meta.main) {
  await Deno.writeTextFile(openApiFileUrl, openApiText(buildOpenApiDocument()));
  const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", "--quiet", openApiFileUrl.pathname] })
    .output();
  if (!fmt.success) throw new Error("Cannot format docs/openapi.json: deno fmt failed");
  console.log(`Wrote ${openApiFileUrl.pathname}`);
}
