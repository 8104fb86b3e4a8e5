import assert from "node:assert/strict";
import type { DevServerInfo } from "./dev_server.ts";
import { renderBanner } from "./walkthrough.ts";

const ENCRYPTION_KEY = "c2VjcmV0LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGVzLW9r";

function info(overrides: Partial<DevServerInfo> = {}): DevServerInfo {
  return {
    supabaseUrl: "http://127.0.0.1:54321",
    functionsUrl: "http://127.0.0.1:54321/functions/v1",
    port: 54321,
    functions: [
      { name: "calcom-connection", verifyJwt: true, available: true },
      { name: "calcom-webhook", verifyJwt: false, available: true },
    ],
    database: {
      kind: "embedded",
      url: "postgresql://postgres:postgres@127.0.0.1:54322/postgres",
      dataDir: ".local/pglite",
      migrationsApplied: [],
    },
    calcom: {
      apiUrl: "http://127.0.0.1:54329",
      sandbox: {
        url: "http://127.0.0.1:54329",
        userId: 1001,
        username: "dev-host",
        apiKey: "cal_test_abc",
        bookings: 40,
        oauth: {
          clientId: "0123abcd",
          consentUrl: "http://127.0.0.1:54329/auth/oauth2/authorize",
          redirectUrl: "http://127.0.0.1:54321/functions/v1/calcom-connection/oauth/callback",
          returnUrls: ["http://127.0.0.1:54321/", "http://localhost:54321/"],
        },
      },
    },
    anonKey: "anon.jwt.value",
    jwtSigning: "HS256",
    devUser: {
      id: "u1",
      email: "dev@example.test",
      accessToken: "user.jwt.value",
      expiresAt: "2030-01-01T00:00:00Z",
    },
    encryptionKeySource: "file",
    encryptionKeyFile: ".local/dev_secrets.json",
    ...overrides,
  };
}

const defaults = {
  sources: {
    port: "default",
    dataDir: "default",
    databaseUrl: "default",
    jwtSecret: "default",
    calcomApiUrl: "default",
    encryptionKey: "default",
  },
  dataDir: ".local",
} as const;

Deno.test("the banner gives the URLs, keys and a runnable curl walkthrough against the sandbox", () => {
  const text = renderBanner({
    info: info(),
    options: defaults,
    exampleBookingUid: "uid123",
    startupSeconds: 3.04,
  });
  assert.match(text, /ready in 3\.0 s/);
  assert.match(text, /Settings\s+http:\/\/127\.0\.0\.1:54321\/ \(open in a browser/);
  assert.match(text, /calcom-connection\s+verify_jwt=true\s+ready/);
  assert.match(text, /calcom-webhook\s+verify_jwt=false\s+ready/);
  assert.match(text, /Anon key\s+anon\.jwt\.value/);
  assert.match(text, /USER_JWT=user\.jwt\.value/);
  assert.match(text, /CAL_KEY=cal_test_abc/);
  assert.match(text, /FN=http:\/\/127\.0\.0\.1:54321\/functions\/v1; DEV=http:\/\/127\.0\.0\.1:54321\/_dev/);
  for (
    const step of [
      'curl -s -X POST "$FN/calcom-connection" -H "$AUTH" -H "$JSON" -d "{\\"apiKey\\": \\"$CAL_KEY\\"}"',
      `curl -s -X POST "$FN/calcom-bookings-sync" -H "$AUTH" -H "$JSON" -d '{}'`,
      'curl -s "$FN/calcom-bookings-sync?fromDb=true&limit=5" -H "$AUTH"',
      "BOOKING_UID=uid123",
      `curl -s -X POST "$DEV/sandbox/bookings/$BOOKING_UID/cancel"`,
      'curl -s -X DELETE "$FN/calcom-connection" -H "$AUTH"',
    ]
  ) assert.ok(text.includes(step), `missing: ${step}`);
  assert.match(
    text,
    /CALCOM_ENCRYPTION_KEY\s+\(unset\)\s+\(default: a dev key kept in \.local\/dev_secrets\.json\)/,
  );
  assert.match(text, /DATABASE_URL\s+\(unset\)\s+\(default: embedded PGlite in \.local\/pglite\)/);
  assert.match(text, /PORT\s+54321\s+\(default 54321\)/);
  assert.match(text, /OAuth client 0123abcd: the page offers Continue with Cal\.com/);
  assert.match(text, /click "Continue with Cal\.com", sign in as dev-host and click Allow/);
});

Deno.test("the banner never shows the encryption key or a configured JWT secret", () => {
  const text = renderBanner({
    info: info({ encryptionKeySource: "env", encryptionKeyFile: undefined }),
    options: { ...defaults, sources: { ...defaults.sources, jwtSecret: "env", encryptionKey: "env" } },
    startupSeconds: 1,
  });
  assert.equal(text.includes(ENCRYPTION_KEY), false);
  assert.match(text, /CALCOM_ENCRYPTION_KEY\s+\(set, not shown\)/);
  assert.match(text, /SUPABASE_JWT_SECRET\s+\(set, not shown\)/);
});

Deno.test("with a real Cal.com and an external database the banner says so and skips the sandbox steps", () => {
  const text = renderBanner({
    info: info({
      calcom: { apiUrl: "https://api.cal.com" },
      database: {
        kind: "external",
        url: "postgresql://postgres:****@db.example.test:5432/postgres",
        migrationsApplied: [],
      },
    }),
    options: { ...defaults, sources: { ...defaults.sources, calcomApiUrl: "env", databaseUrl: "env" } },
    startupSeconds: 1,
  });
  assert.match(text, /Cal\.com\s+https:\/\/api\.cal\.com \(webhooks need a public PUBLIC_FUNCTIONS_URL/);
  assert.match(text, /CAL_KEY=<your Cal\.com API key, cal_live_\.\.\.>/);
  assert.match(text, /DATABASE_URL\s+postgresql:\/\/postgres:\*\*\*\*@db\.example\.test/);
  assert.equal(text.includes("/sandbox/bookings"), false);
  assert.equal(text.includes("Continue with Cal.com"), false);
  assert.match(text, /# 4\. Disconnect/);
});
