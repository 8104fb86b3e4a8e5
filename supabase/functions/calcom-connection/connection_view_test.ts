import assert from "node:assert/strict";
import { type ConnectionRow, toConnectionView } from "./connection_view.ts";

const row: ConnectionRow = {
  id: "5b0d6c1e-8f1a-4a43-9d0e-1c2b3a4d5e6f",
  label: "Work",
  api_key_hint: "cdef",
  calcom_user_id: 512,
  calcom_username: "dana",
  calcom_email: "dana@example.com",
  calcom_time_zone: "Europe/Berlin",
  calcom_webhook_id: "1f0c6a52-6b1e-4c40-9e7f-2f6f2a8f4d11",
  calcom_webhook_error: null,
  is_active: true,
  last_synced_at: new Date("2030-01-02T03:04:05Z"),
  last_sync_status: "succeeded",
  created_at: new Date("2030-01-01T00:00:00Z"),
};

Deno.test("a connection row maps to the camelCase view with the webhook URL", () => {
  assert.deepEqual(toConnectionView(row, "https://proj.supabase.co/functions/v1"), {
    id: row.id,
    label: "Work",
    isActive: true,
    calcomUser: { id: 512, username: "dana", email: "dana@example.com", timeZone: "Europe/Berlin" },
    apiKeyHint: "cdef",
    webhookUrl: `https://proj.supabase.co/functions/v1/calcom-webhook/${row.id}`,
    webhookRegistered: true,
    webhookError: null,
    lastSynced: "2030-01-02T03:04:05.000Z",
    lastSyncStatus: "succeeded",
    createdAt: "2030-01-01T00:00:00.000Z",
  });
});

Deno.test("a connection without webhook or sync shows nulls and webhookRegistered false", () => {
  const view = toConnectionView(
    {
      ...row,
      calcom_webhook_id: null,
      calcom_webhook_error: "Not registered",
      last_synced_at: null,
      last_sync_status: null,
    },
    "http://127.0.0.1:54321/functions/v1",
  );
  assert.equal(view.webhookRegistered, false);
  assert.equal(view.webhookError, "Not registered");
  assert.equal(view.lastSynced, null);
  assert.equal(view.lastSyncStatus, null);
});
