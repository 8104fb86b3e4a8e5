/**
 * A signed-in user's own `user_metadata` may hold U+0000 or lone surrogates, which Postgres' jsonb refuses;
 * the functions still serve that user (the claims reach `request.jwt.claims` made storable).
 */
import assert from "node:assert/strict";
import { invokeFunction } from "../../../testing/invoke_function.ts";
import { startTestStack } from "../../../testing/test_stack.ts";
import { signTestJwt } from "../../../testing/jwt.ts";

Deno.test("a user whose metadata holds NUL or a lone surrogate is served, not answered 500", async () => {
  await using stack = await startTestStack({ apps: { connection: true, sync: true } });
  const user = await stack.signUp();
  for (const name of ["nul \u0000 here", "lone \ud83d surrogate", "\udc00"]) {
    const token = await signTestJwt({ sub: user.id, email: user.email, claims: { user_metadata: { name } } });
    const client = stack.clientWith(`Bearer ${token}`);
    const connections = await invokeFunction(client, "calcom-connection", { method: "GET" });
    assert.equal(connections.status, 200, JSON.stringify(connections.body));
    assert.deepEqual(connections.body.connections, []);
    const bookings = await invokeFunction(client, "calcom-bookings-sync?fromDb=true", { method: "GET" });
    assert.equal(bookings.status, 200, JSON.stringify(bookings.body));
  }
});
