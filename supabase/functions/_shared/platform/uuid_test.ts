import assert from "node:assert/strict";
import { isUuid } from "./uuid.ts";

Deno.test("canonical UUIDs in either case are ids and anything else is not", () => {
  assert.equal(isUuid("8983bb52-15a7-4a51-b580-81205e8605d5"), true);
  assert.equal(isUuid("8983BB52-15A7-4A51-B580-81205E8605D5"), true);
  for (
    const bad of [
      "",
      "8983bb52",
      "8983bb5215a74a51b58081205e8605d5",
      "8983bb52-15a7-4a51-b580-81205e8605d5x",
      "{8983bb52-15a7-4a51-b580-81205e8605d5}",
    ]
  ) {
    assert.equal(isUuid(bad), false, bad);
  }
});
