import assert from "node:assert/strict";
import { HTTPException } from "hono/http-exception";
import { goneAsNotFound } from "./receive_delivery.ts";

Deno.test("a write refused because its connection was just deleted answers 404", async () => {
  const refused = Promise.reject(Object.assign(new Error("insert violates foreign key"), { code: "23503" }));
  await assert.rejects(goneAsNotFound(refused), (err: unknown) => {
    assert.ok(err instanceof HTTPException);
    assert.equal(err.status, 404);
    return true;
  });
});

Deno.test("other write failures pass through unchanged", async () => {
  const failure = Object.assign(new Error("deadlock detected"), { code: "40P01" });
  await assert.rejects(goneAsNotFound(Promise.reject(failure)), (err: unknown) => err === failure);
  assert.equal(await goneAsNotFound(Promise.resolve(7)), 7);
});
