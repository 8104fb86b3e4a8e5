import assert from "node:assert/strict";
import { BookingFiltersSchema, bookingSearchParams } from "./booking_filters.ts";

function query(filters: unknown, skip?: number): Record<string, string> {
  const resolved = BookingFiltersSchema.parse(filters);
  return Object.fromEntries(bookingSearchParams(resolved, skip ?? resolved.skip));
}

Deno.test("without filters a page asks for 250 bookings sorted by updatedAt ascending from offset 0", () => {
  assert.deepEqual(query({}), { sortUpdatedAt: "asc", take: "250", skip: "0" });
});

Deno.test("filters use Cal.com's real parameter names and comma-separated lists", () => {
  assert.deepEqual(
    query({
      status: ["upcoming", "unconfirmed"],
      afterStart: "2025-03-01T00:00:00Z",
      beforeEnd: new Date("2025-04-01T00:00:00.000Z"),
      afterUpdatedAt: "2025-03-05T10:00:00.5+01:00",
      teamsIds: [3, 4],
      eventTypeIds: [100, 200],
      sortUpdatedAt: "desc",
      take: 10,
      skip: 20,
    }),
    {
      status: "upcoming,unconfirmed",
      afterStart: "2025-03-01T00:00:00.000Z",
      beforeEnd: "2025-04-01T00:00:00.000Z",
      afterUpdatedAt: "2025-03-05T09:00:00.500Z",
      teamsIds: "3,4",
      eventTypeIds: "100,200",
      sortUpdatedAt: "desc",
      take: "10",
      skip: "20",
    },
  );
});

Deno.test("the page offset passed in overrides the starting skip", () => {
  assert.equal(query({ skip: 20 }, 520).skip, "520");
});

Deno.test("filters Cal.com would silently ignore or reject are refused", () => {
  for (
    const bad of [
      { teamIds: [1] },
      { sortUpdated: "asc" },
      { take: 251 },
      { take: 0 },
      { skip: -1 },
      { status: [] },
      { status: ["accepted"] },
      { afterStart: "yesterday" },
      { afterStart: "2025-03-01T00:00:00" },
    ]
  ) {
    assert.equal(BookingFiltersSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
});
