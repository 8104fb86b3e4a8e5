import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../../../supabase/functions/_shared/platform/config.ts";
import { createDeps, createDepsFromEnv } from "../../../../supabase/functions/_shared/platform/deps.ts";
import { createMemoryLogger } from "../../../../supabase/functions/_shared/platform/log.ts";
import { LOCAL_JWT_SECRET, signTestJwt } from "../../../testing/jwt.ts";

const KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(1)));
const USER = "8d3c1f1e-2a4b-4c5d-9e6f-7a8b9c0d1e2f";

function env(extra: Record<string, string> = {}) {
  return {
    SUPABASE_DB_URL: "postgresql://postgres@127.0.0.1:5432/postgres",
    SUPABASE_URL: "http://127.0.0.1:54321",
    CALCOM_ENCRYPTION_KEY: KEY,
    SUPABASE_JWT_SECRET: LOCAL_JWT_SECRET,
    ...extra,
  };
}

Deno.test("deps built from the environment verify tokens, encrypt and reach the database", async () => {
  const deps = createDepsFromEnv(env({ CALCOM_DB_POOL_MAX: "1" }));
  try {
    assert.equal((await deps.verifyUser(`Bearer ${await signTestJwt({ sub: USER })}`)).sub, USER);
    const binding = { rowId: "row", column: "api_key_encrypted", userId: "user" };
    assert.equal(await deps.secrets.decrypt(await deps.secrets.encrypt("s", binding), binding), "s");
    const [row] = await deps.db.sql`select 1 as one`;
    assert.equal(row.one, 1);
    assert.ok(deps.now() instanceof Date);
  } finally {
    await deps.db.end();
  }
});

Deno.test("the Cal.com client goes to the configured API URL through the injected fetch", async () => {
  const seen: string[] = [];
  const fakeFetch: typeof fetch = (input) => {
    seen.push(String(input instanceof Request ? input.url : input));
    return Promise.resolve(Response.json({
      status: "success",
      data: { id: 1, username: "dana", email: "dana@example.com", timeZone: "UTC" },
    }));
  };
  const deps = createDeps(loadConfig(env({ CALCOM_API_URL: "http://127.0.0.1:9/" })), { fetch: fakeFetch });
  try {
    const me = await deps.calcom("cal_test_0123456789").me();
    assert.equal(me.id, 1);
    assert.deepEqual(seen, ["http://127.0.0.1:9/v2/me"]);
  } finally {
    await deps.db.end();
  }
});

Deno.test("overrides replace single pieces", async () => {
  const { log } = createMemoryLogger();
  const now = () => new Date("2030-01-01T00:00:00Z");
  const deps = createDeps(loadConfig(env()), { now, log });
  try {
    assert.equal(deps.now, now);
    assert.equal(deps.log, log);
  } finally {
    await deps.db.end();
  }
});

Deno.test("a bad environment fails with the variable's name", () => {
  assert.throws(() => createDepsFromEnv(env({ CALCOM_ENCRYPTION_KEY: "short" })), (err) => {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.variables, ["CALCOM_ENCRYPTION_KEY"]);
    return true;
  });
});
