/**
 * What calcom-connection answers on success, as zod schemas: the routes' bodies are typed from them and
 * docs/openapi.json is generated from them. Failures answer the common error envelope (`ErrorBodySchema`).
 *
 * @module
 */
import { z } from "zod";
import { ConnectionViewSchema } from "./connection_view.ts";

/** `GET /calcom-connection`: the caller's connections, oldest first. */
export const ConnectionListSchema = z.object({
  success: z.literal(true),
  /** Whether any connection is active. */
  connected: z.boolean(),
  /** The first connection, or null. */
  connection: ConnectionViewSchema.nullable(),
  connections: z.array(ConnectionViewSchema),
  /**
   * Whether "Continue with Cal.com" is offered here (an OAuth client is configured): a settings page shows
   * the button only then.
   */
  oauthEnabled: z.boolean(),
  /**
   * The Cal.com servers a connection may be made to, the default (`CALCOM_API_URL`) first, then the
   * self-hosted origins the operator allows: a settings page offers a choice when there is more than one.
   */
  calcomOrigins: z.array(z.string()).min(1),
}).meta({ id: "ConnectionList" });

/** The list's answer. */
export type ConnectionList = z.infer<typeof ConnectionListSchema>;

/** `POST /calcom-connection`: 201 for a new connection, 200 for a reconnect. */
export const ConnectResultSchema = z.object({
  success: z.literal(true),
  /** `Connected …` or `Reconnected …`, then what became of the webhook. */
  message: z.string(),
  connection: ConnectionViewSchema,
  webhookUrl: z.string(),
}).meta({ id: "ConnectResult" });

/** A connect's answer. */
export type ConnectResult = z.infer<typeof ConnectResultSchema>;

/** `PATCH /calcom-connection?id=`: the connection as it is now. */
export const UpdateResultSchema = z.object({
  success: z.literal(true),
  connection: ConnectionViewSchema,
}).meta({ id: "UpdateResult" });

/** An update's answer. */
export type UpdateResult = z.infer<typeof UpdateResultSchema>;

/** `DELETE /calcom-connection?id=`. */
export const DisconnectResultSchema = z.object({
  success: z.literal(true),
  /** Says when the Cal.com webhook could not be removed. */
  message: z.string(),
}).meta({ id: "DisconnectResult" });

/** A disconnect's answer. */
export type DisconnectResult = z.infer<typeof DisconnectResultSchema>;
