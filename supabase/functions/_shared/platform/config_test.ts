import assert from "node:assert/strict";
import { ConfigError, decodeBase64, loadConfig } from "./config.ts";

const KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
const OLD_KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(9)));
const SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";

const minimal = {
  SUPABASE_DB_URL: "postgresql://postgres:pw@127.0.0.1:5432/postgres",
  SUPABASE_URL: "https://proj.supabase.co/",
  CALCOM_ENCRYPTION_KEY: KEY,
};

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail("loadConfig accepted the environment");
}

Deno.test("a minimal environment gets the documented defaults", () => {
  assert.deepEqual(loadConfig(minimal), {
    dbUrl: minimal.SUPABASE_DB_URL,
    supabaseUrl: "https://proj.supabase.co",
    encryptionKey: KEY,
    encryptionOldKeys: [],
    jwks: undefined,
    jwtSecret: undefined,
    jwksUrl: "https://proj.supabase.co/auth/v1/.well-known/jwks.json",
    jwtIssuer: "https://proj.supabase.co/auth/v1",
    calcomApiUrl: "https://api.cal.com",
    calcomApiOrigins: [],
    publicFunctionsUrl: "https://proj.supabase.co/functions/v1",
    syncDeadlineSeconds: 100,
    dbPoolMax: 4,
    bookingsPaging: "auto",
    oauth: undefined,
  });
});

Deno.test("CALCOM_BOOKINGS_PAGING takes auto or offset and nothing else", () => {
  assert.equal(loadConfig({ ...minimal, CALCOM_BOOKINGS_PAGING: "offset" }).bookingsPaging, "offset");
  assert.throws(
    () => loadConfig({ ...minimal, CALCOM_BOOKINGS_PAGING: "cursor" }),
    /CALCOM_BOOKINGS_PAGING must be auto or offset/,
  );
});

Deno.test("an OAuth client is read with its redirect URL, return URLs and endpoints", () => {
  const config = loadConfig({
    ...minimal,
    CALCOM_API_URL: "https://api.cal.eu",
    CALCOM_OAUTH_CLIENT_ID: "5d1e9a",
    CALCOM_OAUTH_CLIENT_SECRET: "s3cret-value",
    CALCOM_OAUTH_REDIRECT_URL: "https://proj.supabase.co/functions/v1/calcom-connection/oauth/callback",
    CALCOM_OAUTH_RETURN_URLS: " https://app.example.com/settings , https://app.example.com/onboarding,",
    CALCOM_OAUTH_AUTHORIZE_URL: "https://app.cal.eu/auth/oauth2/authorize",
    CALCOM_OAUTH_SCOPES: "PROFILE_READ, BOOKING_READ",
  });
  assert.deepEqual(config.oauth, {
    clientId: "5d1e9a",
    clientSecret: "s3cret-value",
    redirectUrl: "https://proj.supabase.co/functions/v1/calcom-connection/oauth/callback",
    returnUrls: ["https://app.example.com/settings", "https://app.example.com/onboarding"],
    authorizeUrl: "https://app.cal.eu/auth/oauth2/authorize",
    tokenUrl: "https://api.cal.eu/v2/auth/oauth2/token",
    scopes: ["PROFILE_READ", "BOOKING_READ"],
  });
});

Deno.test("a partial OAuth configuration names each missing variable, never the secret", () => {
  assert.throws(
    () =>
      loadConfig({
        ...minimal,
        CALCOM_OAUTH_CLIENT_ID: "5d1e9a",
        CALCOM_OAUTH_CLIENT_SECRET: "s3cret-value",
      }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.variables, ["CALCOM_OAUTH_REDIRECT_URL", "CALCOM_OAUTH_RETURN_URLS"]);
      assert.doesNotMatch(err.message, /s3cret/);
      return true;
    },
  );
  assert.throws(
    () => loadConfig({ ...minimal, CALCOM_OAUTH_RETURN_URLS: "not a url" }),
    (err: unknown) => err instanceof ConfigError && err.variables.includes("CALCOM_OAUTH_RETURN_URLS"),
  );
});

Deno.test("every variable is read and mapped to its field", () => {
  const jwks = { keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k1" }] };
  const config = loadConfig({
    ...minimal,
    CALCOM_ENCRYPTION_OLD_KEYS: ` ${OLD_KEY} , ${KEY},`,
    SUPABASE_JWKS: JSON.stringify(jwks),
    SUPABASE_JWT_SECRET: SECRET,
    CALCOM_API_URL: "http://127.0.0.1:54329/",
    PUBLIC_FUNCTIONS_URL: "https://hooks.example.com/functions/v1/",
    CALCOM_SYNC_DEADLINE_SECONDS: "40",
    CALCOM_DB_POOL_MAX: "1",
  });
  assert.deepEqual(config.encryptionOldKeys, [OLD_KEY, KEY]);
  assert.deepEqual(config.jwks, jwks);
  assert.equal(config.jwtSecret, SECRET);
  assert.equal(config.calcomApiUrl, "http://127.0.0.1:54329");
  assert.equal(config.publicFunctionsUrl, "https://hooks.example.com/functions/v1");
  assert.equal(config.syncDeadlineSeconds, 40);
  assert.equal(config.dbPoolMax, 1);
});

Deno.test("CALCOM_API_ORIGINS lists https origins; http only for private hosts and when allowed", () => {
  assert.deepEqual(loadConfig(minimal).calcomApiOrigins, []);
  const config = loadConfig({
    ...minimal,
    CALCOM_API_ORIGINS: " https://Cal.Example.com/ ,https://cal.example.org:8443,https://cal.example.com",
  });
  assert.deepEqual(config.calcomApiOrigins, ["https://cal.example.com", "https://cal.example.org:8443"]);
  const local = loadConfig({
    ...minimal,
    CALCOM_API_ORIGINS: "http://127.0.0.1:5555,http://calcom:5555,http://10.1.2.3",
    CALCOM_API_ORIGINS_ALLOW_HTTP: "true",
  });
  assert.deepEqual(local.calcomApiOrigins, [
    "http://127.0.0.1:5555",
    "http://calcom:5555",
    "http://10.1.2.3",
  ]);
  const publicHttp = configError({
    ...minimal,
    CALCOM_API_ORIGINS: "http://cal.example.com",
    CALCOM_API_ORIGINS_ALLOW_HTTP: "true",
  });
  assert.deepEqual(publicHttp.variables, ["CALCOM_API_ORIGINS"]);
  assert.match(publicHttp.message, /http only for localhost or private network hosts/);
  assert.match(
    configError({
      ...minimal,
      CALCOM_API_ORIGINS: "http://169.254.169.254",
      CALCOM_API_ORIGINS_ALLOW_HTTP: "true",
    })
      .message,
    /private network hosts/,
  );
});

Deno.test("a bare array of keys is accepted as SUPABASE_JWKS", () => {
  const config = loadConfig({ ...minimal, SUPABASE_JWKS: JSON.stringify([{ kty: "oct", kid: "a" }]) });
  assert.deepEqual(config.jwks, { keys: [{ kty: "oct", kid: "a" }] });
});

Deno.test("empty values count as unset", () => {
  const config = loadConfig({ ...minimal, SUPABASE_JWT_SECRET: "", PUBLIC_FUNCTIONS_URL: "" });
  assert.equal(config.jwtSecret, undefined);
  assert.equal(config.publicFunctionsUrl, "https://proj.supabase.co/functions/v1");
  assert.deepEqual(configError({ ...minimal, CALCOM_ENCRYPTION_KEY: "" }).variables, [
    "CALCOM_ENCRYPTION_KEY",
  ]);
});

Deno.test("missing required variables are all named in one error", () => {
  const err = configError({});
  assert.deepEqual(err.variables, ["SUPABASE_DB_URL", "SUPABASE_URL", "CALCOM_ENCRYPTION_KEY"]);
  assert.match(err.message, /SUPABASE_DB_URL is required/);
  assert.match(err.message, /CALCOM_ENCRYPTION_KEY is required/);
});

Deno.test("malformed values are named without their value", () => {
  const cases: [string, string, RegExp][] = [
    ["SUPABASE_DB_URL", "mysql://user:hunter2-db@host/db", /postgres:\/\/ URL/],
    ["SUPABASE_URL", "not a url hunter2", /http\(s\) URL/],
    ["CALCOM_ENCRYPTION_KEY", btoa("hunter2 is only 16b"), /32 random bytes/],
    ["CALCOM_ENCRYPTION_KEY", "hunter2!!not-base64", /32 random bytes/],
    ["CALCOM_ENCRYPTION_OLD_KEYS", `${OLD_KEY},hunter2`, /comma-separated keys/],
    ["SUPABASE_JWKS", '{"hunter2":true}', /JSON Web Key Set/],
    ["SUPABASE_JWKS", "hunter2{", /JSON Web Key Set/],
    ["SUPABASE_JWT_SECRET", "hunter2-short", /at least 32 characters/],
    ["CALCOM_API_URL", "ftp://hunter2.example", /http\(s\) URL/],
    ["PUBLIC_FUNCTIONS_URL", "hunter2", /http\(s\) URL/],
    ["CALCOM_SYNC_DEADLINE_SECONDS", "0", /whole number of seconds/],
    ["CALCOM_SYNC_DEADLINE_SECONDS", "hunter2", /whole number of seconds/],
    ["CALCOM_DB_POOL_MAX", "1.5", /whole number/],
    ["CALCOM_API_ORIGINS", "http://cal.hunter2.example", /must be https:\/\/ origins/],
    ["CALCOM_API_ORIGINS", "https://cal.example.com/hunter2", /origins only/],
    ["CALCOM_API_ORIGINS", "https://user:hunter2@cal.example.com", /origins only/],
    ["CALCOM_API_ORIGINS_ALLOW_HTTP", "hunter2", /true or false/],
  ];
  for (const [variable, value, why] of cases) {
    const err = configError({ ...minimal, [variable]: value });
    assert.deepEqual(err.variables, [variable], variable);
    assert.match(err.message, new RegExp(`^Invalid configuration: ${variable} `));
    assert.match(err.message, why);
    assert.doesNotMatch(err.message, /hunter2/, `${variable}'s value leaked into the message`);
  }
});

Deno.test("url-safe and unpadded base64 keys decode", () => {
  const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 8 + 3);
  const standard = btoa(String.fromCharCode(...bytes));
  const urlSafe = standard.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  assert.deepEqual(decodeBase64(urlSafe), bytes);
  assert.deepEqual(decodeBase64(standard), bytes);
  assert.equal(decodeBase64("not base64!"), undefined);
});
