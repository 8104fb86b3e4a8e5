/**
 * The `pagination` object of `GET /v2/bookings`, computed exactly as Cal.com's
 * `apps/api/v2/src/lib/pagination/pagination.ts` does (contract §2.3), including its key order.
 *
 * @module
 */

/** Cal.com's `PaginationMetaDto`. */
export interface PaginationMeta {
  returnedItems: number;
  totalItems: number;
  itemsPerPage: number;
  remainingItems: number;
  currentPage: number;
  totalPages: number;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(Math.max(n, min), max);
}

/** Pagination meta for a page read with `skip` and `take` out of `totalCount` matches. */
export function paginationMeta({ skip, take, totalCount }: {
  skip: number;
  take: number;
  totalCount: number;
}): PaginationMeta {
  const safeSkip = clamp(skip, 0, totalCount);
  const totalPages = take !== 0 ? Math.ceil(totalCount / take) : 0;
  return {
    returnedItems: clamp(totalCount - safeSkip, 0, take),
    totalItems: totalCount,
    itemsPerPage: take,
    remainingItems: clamp(totalCount - (safeSkip + take), 0, totalCount),
    currentPage: totalPages === 0 ? 0 : clamp(Math.floor(safeSkip / take) + 1, 1, totalPages),
    totalPages,
    hasNextPage: safeSkip + take < totalCount,
    hasPreviousPage: safeSkip > 0,
  };
}
