import assert from "node:assert/strict";
import { decodeCursor, encodeCursor } from "./bookings_query.ts";

Deno.test("a cursor survives the round trip and is URL-safe", () => {
  const cursor = { startTime: "2025-03-10T14:00:00.123456Z", id: "0b8c5a8e-2f3d-4c4e-9a61-6f1f3c2b9d10" };
  const text = encodeCursor(cursor);
  assert.match(text, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(text), cursor);
});

Deno.test("anything but a cursor this function made is refused", () => {
  for (
    const text of [
      "",
      "not a cursor",
      btoa("{}"),
      btoa(JSON.stringify({ s: "2025-03-10", i: "0b8c5a8e-2f3d-4c4e-9a61-6f1f3c2b9d10" })),
      btoa(JSON.stringify({ s: "2025-03-10T14:00:00.123456Z", i: "1; drop table x" })),
    ]
  ) {
    assert.equal(decodeCursor(text), undefined, text);
  }
});
