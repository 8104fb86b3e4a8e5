import assert from "node:assert/strict";
import { paginationMeta } from "./pagination.ts";

Deno.test("pagination meta matches Cal.com's example for skip 10, take 10 of 123", () => {
  assert.deepEqual(paginationMeta({ skip: 10, take: 10, totalCount: 123 }), {
    returnedItems: 10,
    totalItems: 123,
    itemsPerPage: 10,
    remainingItems: 103,
    currentPage: 2,
    totalPages: 13,
    hasNextPage: true,
    hasPreviousPage: true,
  });
});

Deno.test("pagination meta keys come in Cal.com's order", () => {
  assert.deepEqual(Object.keys(paginationMeta({ skip: 0, take: 1, totalCount: 1 })), [
    "returnedItems",
    "totalItems",
    "itemsPerPage",
    "remainingItems",
    "currentPage",
    "totalPages",
    "hasNextPage",
    "hasPreviousPage",
  ]);
});

Deno.test("pagination meta follows the formulas at the edges", () => {
  const table: Array<[{ skip: number; take: number; totalCount: number }, Record<string, number | boolean>]> =
    [
      // No matches at all.
      [{ skip: 0, take: 100, totalCount: 0 }, {
        returnedItems: 0,
        remainingItems: 0,
        currentPage: 0,
        totalPages: 0,
        hasNextPage: false,
        hasPreviousPage: false,
      }],
      // Skip past the end: the skip is clamped to the total.
      [{ skip: 500, take: 10, totalCount: 25 }, {
        returnedItems: 0,
        remainingItems: 0,
        currentPage: 3,
        totalPages: 3,
        hasNextPage: false,
        hasPreviousPage: true,
      }],
      // take = 1.
      [{ skip: 4, take: 1, totalCount: 5 }, {
        returnedItems: 1,
        remainingItems: 0,
        currentPage: 5,
        totalPages: 5,
        hasNextPage: false,
        hasPreviousPage: true,
      }],
      // An exact multiple: the last full page has no next page.
      [{ skip: 250, take: 250, totalCount: 500 }, {
        returnedItems: 250,
        remainingItems: 0,
        currentPage: 2,
        totalPages: 2,
        hasNextPage: false,
        hasPreviousPage: true,
      }],
      [{ skip: 0, take: 250, totalCount: 500 }, {
        returnedItems: 250,
        remainingItems: 250,
        currentPage: 1,
        totalPages: 2,
        hasNextPage: true,
        hasPreviousPage: false,
      }],
      // A skip that is not a multiple of take.
      [{ skip: 15, take: 10, totalCount: 30 }, {
        returnedItems: 10,
        remainingItems: 5,
        currentPage: 2,
        totalPages: 3,
        hasNextPage: true,
        hasPreviousPage: true,
      }],
    ];
  for (const [input, expected] of table) {
    const meta = paginationMeta(input);
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(meta[key as keyof typeof meta], value, `${key} for ${JSON.stringify(input)}`);
    }
    assert.equal(meta.totalItems, input.totalCount);
    assert.equal(meta.itemsPerPage, input.take);
  }
});
