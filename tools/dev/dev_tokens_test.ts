import assert from "node:assert/strict";
import { decodeJwt, jwtVerify } from "jose";
import { LOCAL_JWT_SECRET, signAnonKey, signUserToken } from "./dev_tokens.ts";

Deno.test("the anon key signed with the local secret is the Supabase CLI's well-known local anon key", async () => {
  assert.equal(
    await signAnonKey(LOCAL_JWT_SECRET),
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9" +
      ".CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0",
  );
});

Deno.test("the dev user's token verifies with the secret and carries the claims RLS reads", async () => {
  const now = new Date();
  const sub = crypto.randomUUID();
  const token = await signUserToken({
    sub,
    email: "dev@example.test",
    secret: "another-secret-with-at-least-32-characters",
    supabaseUrl: "http://127.0.0.1:54321",
    now,
    expiresInSeconds: 3600,
  });
  const { payload } = await jwtVerify(
    token,
    new TextEncoder().encode("another-secret-with-at-least-32-characters"),
    {
      audience: "authenticated",
      issuer: "http://127.0.0.1:54321/auth/v1",
    },
  );
  assert.equal(payload.sub, sub);
  assert.equal(payload.role, "authenticated");
  assert.equal(payload.email, "dev@example.test");
  assert.equal(payload.exp, Math.floor(now.getTime() / 1000) + 3600);
  assert.equal(decodeJwt(await signAnonKey("another-secret-with-at-least-32-characters")).role, "anon");
});
