import assert from "node:assert/strict";
import { DEFAULT_DB_PORT, DEFAULT_PORT, DEFAULT_SANDBOX_PORT, parseDevOptions } from "./dev_options.ts";
import { LOCAL_JWT_SECRET } from "./dev_tokens.ts";

Deno.test("with no flags and no environment every setting has its newcomer default", () => {
  const options = parseDevOptions([], {});
  assert.deepEqual(options, {
    port: DEFAULT_PORT,
    dataDir: ".local",
    reset: false,
    databaseUrl: undefined,
    dbPort: DEFAULT_DB_PORT,
    jwtSecret: LOCAL_JWT_SECRET,
    legacyJwt: false,
    noOAuth: false,
    calcomApiUrl: undefined,
    sandboxPort: DEFAULT_SANDBOX_PORT,
    encryptionKey: undefined,
    passthrough: {},
    sources: {
      port: "default",
      dataDir: "default",
      databaseUrl: "default",
      jwtSecret: "default",
      calcomApiUrl: "default",
      encryptionKey: "default",
    },
    help: false,
  });
});

Deno.test("flags win over the environment, in both --name value and --name=value forms", () => {
  const options = parseDevOptions(
    ["--port", "0", "--data-dir=/tmp/x", "--reset", "--db-port", "0", "--sandbox-port=0"],
    { PORT: "9999", CALCOM_SANDBOX_PORT: "1234" },
  );
  assert.equal(options.port, 0);
  assert.equal(options.sources.port, "flag");
  assert.equal(options.dataDir, "/tmp/x");
  assert.equal(options.reset, true);
  assert.equal(options.dbPort, 0);
  assert.equal(options.sandboxPort, 0);
});

Deno.test("the environment configures the database, JWT secret, Cal.com URL, key and passthrough variables", () => {
  const options = parseDevOptions([], {
    PORT: "8000",
    DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/dev",
    SUPABASE_JWT_SECRET: "x".repeat(40),
    CALCOM_API_URL: "https://api.cal.com/",
    CALCOM_ENCRYPTION_KEY: "k".repeat(44),
    CALCOM_SYNC_DEADLINE_SECONDS: "30",
    UNRELATED: "ignored",
  });
  assert.equal(options.port, 8000);
  assert.equal(options.databaseUrl, "postgresql://postgres@127.0.0.1:5432/dev");
  assert.equal(options.jwtSecret, "x".repeat(40));
  assert.equal(options.calcomApiUrl, "https://api.cal.com");
  assert.equal(options.encryptionKey, "k".repeat(44));
  assert.deepEqual(options.passthrough, { CALCOM_SYNC_DEADLINE_SECONDS: "30" });
  assert.deepEqual(options.sources, {
    port: "env",
    dataDir: "default",
    databaseUrl: "env",
    jwtSecret: "env",
    calcomApiUrl: "env",
    encryptionKey: "env",
  });
});

Deno.test("empty environment variables count as unset", () => {
  const options = parseDevOptions([], { DATABASE_URL: "", CALCOM_API_URL: " ", PORT: "" });
  assert.equal(options.databaseUrl, undefined);
  assert.equal(options.calcomApiUrl, undefined);
  assert.equal(options.port, DEFAULT_PORT);
});

Deno.test("bad flags and values are refused with a message naming them", () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--nope"], {}, /Unknown option --nope/],
    [["stray"], {}, /Unexpected argument stray/],
    [["--port"], {}, /--port needs a value/],
    [["--port", "abc"], {}, /--port must be a port number/],
    [[], { PORT: "70000" }, /PORT must be a port number/],
    [[], { SUPABASE_JWT_SECRET: "short" }, /SUPABASE_JWT_SECRET must be at least 32 characters/],
    [[], { CALCOM_API_URL: "api.cal.com" }, /CALCOM_API_URL must be an http\(s\) URL/],
  ];
  for (const [args, env, message] of cases) assert.throws(() => parseDevOptions(args, env), message);
});

Deno.test("--help is a switch", () => {
  assert.equal(parseDevOptions(["--help"], {}).help, true);
});

Deno.test("--legacy-jwt signs the dev user's token with the HS256 secret instead of the ES256 key", () => {
  assert.equal(parseDevOptions(["--legacy-jwt"], {}).legacyJwt, true);
  assert.equal(parseDevOptions([], {}).legacyJwt, false);
});

Deno.test("--no-oauth leaves Continue with Cal.com off", () => {
  assert.equal(parseDevOptions(["--no-oauth"], {}).noOAuth, true);
  assert.equal(parseDevOptions([], {}).noOAuth, false);
});
