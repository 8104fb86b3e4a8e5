import assert from "node:assert/strict";
import { ReadQuerySchema, SyncBodySchema } from "./sync_request.ts";

Deno.test("a sync body defaults to an incremental, unscoped run and normalises its filters", () => {
  assert.deepEqual(SyncBodySchema.parse({}), { full: false });
  assert.deepEqual(
    SyncBodySchema.parse({
      full: true,
      status: "Upcoming, past,upcoming",
      afterStart: "2025-03-10T15:00:00+01:00",
    }),
    { full: true, status: ["upcoming", "past"], afterStart: "2025-03-10T14:00:00.000Z" },
  );
  assert.deepEqual(SyncBodySchema.parse({ status: ["cancelled"], extra: 1 }), {
    full: false,
    status: ["cancelled"],
  });
});

Deno.test("a sync body with a wrong type, status or date is refused", () => {
  for (const body of [{ full: 1 }, { status: "accepted" }, { status: [] }, { beforeEnd: "2025-03-10" }]) {
    assert.equal(SyncBodySchema.safeParse(body).success, false, JSON.stringify(body));
  }
});

Deno.test("a read query parses flags, stored statuses and the limit", () => {
  assert.deepEqual(ReadQuerySchema.parse({}), { fromDb: false, setAside: false, limit: 50 });
  assert.deepEqual(ReadQuerySchema.parse({ fromDb: "1", status: "accepted,AWAITING_HOST", limit: "250" }), {
    fromDb: true,
    setAside: false,
    status: ["ACCEPTED", "AWAITING_HOST"],
    limit: 250,
  });
  for (
    const query of [{ limit: "0" }, { limit: "251" }, { limit: "-1" }, { fromDb: "yes" }, { status: "past" }]
  ) {
    assert.equal(ReadQuerySchema.safeParse(query).success, false, JSON.stringify(query));
  }
});

Deno.test("a sync body may ask for a reconciliation of a window, without full or status", () => {
  assert.deepEqual(SyncBodySchema.parse({ mode: "reconcile", afterStart: "2031-03-01T00:00:00Z" }), {
    mode: "reconcile",
    full: false,
    afterStart: "2031-03-01T00:00:00.000Z",
  });
  assert.deepEqual(SyncBodySchema.parse({ mode: "sync", full: true }), { mode: "sync", full: true });
  for (
    const body of [
      { mode: "Reconcile" },
      { mode: "" },
      { mode: 1 },
      { mode: ["reconcile"] },
      { mode: "reconcile", full: true },
      { mode: "reconcile", status: "past" },
    ]
  ) {
    assert.equal(SyncBodySchema.safeParse(body).success, false, JSON.stringify(body));
  }
});
