/**
 * What `PATCH calcom-connection?id=<uuid>` accepts: a new label, a pause or a resume, nothing else.
 *
 * @module
 */
import { z } from "zod";
import { LabelSchema } from "./connect_request.ts";

/** `PATCH /calcom-connection?id=<uuid>`: the id is checked later (a malformed one is a 404, not a 400). */
export const UpdateQuerySchema = z.object({
  id: z.string({ error: "id is required: pass ?id=<connection id>" }),
});

/** `PATCH /calcom-connection?id=<uuid>`: at least one of the fields; unknown fields are refused. */
export const UpdateRequestSchema = z.strictObject({
  /** A new name for the connection. */
  label: LabelSchema.optional(),
  /** False pauses the connection (no scheduled sync, webhooks logged but not applied); true resumes it. */
  isActive: z.boolean({ error: "isActive must be true or false" }).optional(),
}).refine(
  (body) => body.label !== undefined || body.isActive !== undefined,
  "Give label or isActive (or both)",
);

/** A validated update request. */
export type UpdateRequest = z.output<typeof UpdateRequestSchema>;
