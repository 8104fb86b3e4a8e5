/**
 * What the calcom-connection function accepts: the POST body and the DELETE query. A malformed API key is
 * refused here, before anything is sent to Cal.com.
 *
 * @module
 */
import { z } from "zod";

/**
 * A Cal.com API key as Cal.com issues them: `cal_` (or `cal_live_`) and an opaque token of letters,
 * digits, `_` or `-`. Anything else is not worth a round trip to Cal.com (and could not travel in a
 * header anyway). The messages never repeat the key.
 */
const ApiKeySchema = z.string({ error: "API key is required" }).trim()
  .refine(
    (key) => key.startsWith("cal_"),
    { message: "API key must start with cal_ (copy it from Cal.com Settings → API keys)", abort: true },
  )
  .refine(
    (key) => /^cal_[A-Za-z0-9_-]{8,250}$/.test(key),
    "API key must be cal_ followed by 8 to 250 letters, digits, _ or -",
  );

/** A connection's label: 1 to 100 characters of text, trimmed. */
export const LabelSchema = z.string().trim()
  .min(1, "Label must not be empty").max(100, "Label must be at most 100 characters")
  // Postgres text cannot hold U+0000, and a lone surrogate would be stored as U+FFFD: refuse both
  .refine(
    (label) => label.isWellFormed() && !/\p{Cc}/u.test(label),
    "Label must be text without control characters",
  );

/** `POST /calcom-connection`: connect (or reconnect) a Cal.com account. */
export const ConnectRequestSchema = z.object({
  apiKey: ApiKeySchema,
  /** A name for the connection; defaults to one with the Cal.com username. */
  label: LabelSchema.optional(),
  /**
   * The webhook signing secret, for a webhook the user registers in Cal.com themselves; generated
   * (32 random bytes, hex) when absent. Short secrets make signatures guessable.
   */
  webhookSecret: z.string().refine(
    (s) => /^[\x21-\x7e]{16,256}$/.test(s),
    "Webhook secret must be 16 to 256 printable characters without spaces",
  ).optional(),
  /**
   * The Cal.com server the key belongs to: `CALCOM_API_URL` (the default) or one of the origins the
   * operator allows for self-hosted Cal.com (`calcomOrigins` in `GET`'s answer). Any other is refused
   * without being called.
   */
  calcomApiUrl: z.string().max(300, "Cal.com server URL must be at most 300 characters").optional(),
  /** False skips registering the webhook with Cal.com. */
  registerWebhook: z.boolean().optional(),
  /**
   * True replaces the stored webhook secret with a fresh one and re-registers Cal.com's webhook with it,
   * e.g. after the secret or the API key leaked. Both places must change together, so it cannot be
   * combined with a given `webhookSecret` (nobody would know the new one) or `registerWebhook: false`.
   */
  rotateWebhookSecret: z.boolean().optional(),
}).superRefine((body, ctx) => {
  if (body.rotateWebhookSecret !== true) return;
  if (body.webhookSecret !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["rotateWebhookSecret"],
      message: "Rotating generates the webhook secret: leave out webhookSecret",
    });
  }
  if (body.registerWebhook === false) {
    ctx.addIssue({
      code: "custom",
      path: ["rotateWebhookSecret"],
      message: "Rotating updates the webhook in Cal.com: registerWebhook cannot be false",
    });
  }
});

/** A validated connect request. */
export type ConnectRequest = z.output<typeof ConnectRequestSchema>;

/** `DELETE /calcom-connection?id=<uuid>`: the id is checked later (a malformed one is a 404, not a 400). */
export const DisconnectQuerySchema = z.object({
  id: z.string().optional(),
});

/** The hint stored and shown for an API key: its last four characters. */
export function apiKeyHint(apiKey: string): string {
  return apiKey.slice(-4);
}

/** A fresh webhook secret: 32 random bytes as 64 lowercase hex digits. */
export function generateWebhookSecret(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
