import assert from "node:assert/strict";
import {
  type ConnectionRow,
  type ConnectionStats,
  ConnectionViewSchema,
  toConnectionView,
} from "./connection_view.ts";

const row: ConnectionRow & ConnectionStats = {
  id: "5b0d6c1e-8f1a-4a43-9d0e-1c2b3a4d5e6f",
  label: "Work",
  api_key_hint: "cdef",
  auth_kind: "api_key",
  oauth_scopes: null,
  calcom_user_id: 512,
  calcom_api_url: null,
  calcom_username: "dana",
  calcom_email: "dana@example.com",
  calcom_time_zone: "Europe/Berlin",
  calcom_webhook_id: "1f0c6a52-6b1e-4c40-9e7f-2f6f2a8f4d11",
  calcom_webhook_error: null,
  is_active: true,
  last_synced_at: new Date("2030-01-02T03:04:05Z"),
  last_sync_status: "succeeded",
  last_sync_error: null,
  created_at: new Date("2030-01-01T00:00:00Z"),
  booking_count: 12,
  last_verified_at: new Date("2030-01-02T04:00:00Z"),
  deliveries_24h: 5,
  refused_24h: 1,
  not_applied_24h: 2,
};

Deno.test("a connection row maps to the camelCase view with the webhook URL", () => {
  assert.deepEqual(toConnectionView(row, "https://proj.supabase.co/functions/v1", "https://api.cal.com"), {
    id: row.id,
    label: "Work",
    isActive: true,
    calcomUser: { id: 512, username: "dana", email: "dana@example.com", timeZone: "Europe/Berlin" },
    calcomApiUrl: "https://api.cal.com",
    authKind: "api_key",
    apiKeyHint: "cdef",
    scopes: null,
    webhookUrl: `https://proj.supabase.co/functions/v1/calcom-webhook/${row.id}`,
    webhookRegistered: true,
    webhookError: null,
    lastSynced: "2030-01-02T03:04:05.000Z",
    lastSyncStatus: "succeeded",
    lastSyncError: null,
    bookingCount: 12,
    webhookHealth: {
      lastVerifiedAt: "2030-01-02T04:00:00.000Z",
      deliveries24h: 5,
      refused24h: 1,
      notApplied24h: 2,
    },
    createdAt: "2030-01-01T00:00:00.000Z",
  });
});

Deno.test("a mapped connection matches the schema its documentation is generated from", () => {
  const view = toConnectionView(row, "https://proj.supabase.co/functions/v1", "https://api.cal.com");
  assert.deepEqual(ConnectionViewSchema.parse(view), view);
});

Deno.test("a connection without webhook or verified delivery shows nulls, its failed sync says why", () => {
  const view = toConnectionView(
    {
      ...row,
      calcom_webhook_id: null,
      calcom_webhook_error: "Not registered",
      last_synced_at: null,
      last_sync_status: "failed",
      last_sync_error: "Cal.com rejected the API key (HTTP 401): connect the account again with a valid key",
      last_verified_at: null,
    },
    "http://127.0.0.1:54321/functions/v1",
    "https://api.cal.com",
  );
  assert.equal(view.webhookRegistered, false);
  assert.equal(view.webhookError, "Not registered");
  assert.equal(view.lastSynced, null);
  assert.equal(view.lastSyncStatus, "failed");
  assert.match(view.lastSyncError ?? "", /^Cal\.com rejected the API key/);
  assert.equal(view.webhookHealth.lastVerifiedAt, null);
});

Deno.test("an OAuth connection shows its kind and granted scopes, and an empty key hint", () => {
  const view = toConnectionView(
    { ...row, auth_kind: "oauth", api_key_hint: "", oauth_scopes: ["PROFILE_READ", "BOOKING_READ"] },
    "https://proj.supabase.co/functions/v1",
    "https://api.cal.com",
  );
  assert.equal(view.authKind, "oauth");
  assert.deepEqual(view.scopes, ["PROFILE_READ", "BOOKING_READ"]);
  assert.equal(view.apiKeyHint, "");
  assert.deepEqual(ConnectionViewSchema.parse(view), view);
});

Deno.test("a connection on a self-hosted Cal.com shows its origin, one on the default server the default", () => {
  const selfHosted = toConnectionView(
    { ...row, calcom_api_url: "https://cal.example.org" },
    "https://proj.supabase.co/functions/v1",
    "https://api.cal.com",
  );
  assert.equal(selfHosted.calcomApiUrl, "https://cal.example.org");
  assert.equal(
    toConnectionView(row, "https://proj.supabase.co/functions/v1", "https://api.cal.eu").calcomApiUrl,
    "https://api.cal.eu",
  );
});
