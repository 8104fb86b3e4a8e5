/**
 * Test helpers for the Cal.com client's unit tests: a fake clock whose `sleep` only advances time, an
 * in-process `fetch` that routes requests to a Request → Response function and records them, and the
 * error a failed call rejects with. Not used by production code.
 *
 * @module
 */
import assert from "node:assert/strict";
import { CalcomError } from "../../supabase/functions/_shared/calcom/errors.ts";

/** A clock that never really sleeps: `sleep(ms)` records `ms` and moves `now` forward by it. */
export interface FakeClock {
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Every duration `sleep` was asked for, in order. */
  sleeps: number[];
  /** Current time in epoch ms. */
  ms: () => number;
  advance: (ms: number) => void;
}

/** Creates a {@linkcode FakeClock} starting at `start`. */
export function fakeClock(start = "2025-03-10T12:00:00.000Z"): FakeClock {
  let t = Date.parse(start);
  const sleeps: number[] = [];
  return {
    now: () => new Date(t),
    sleep: (ms) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    sleeps,
    ms: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A request the fake server received. */
export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

/** A fake Cal.com: `fetch` to inject into the client and the log of what it received. */
export interface FakeServer {
  fetch: typeof fetch;
  requests: RecordedRequest[];
}

/** Routes every fetch to `handler` (which may throw to simulate a network error) and records it. */
export function fakeServer(
  handler: (request: RecordedRequest, index: number) => Response | Promise<Response>,
): FakeServer {
  const requests: RecordedRequest[] = [];
  const fetchFn = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const text = await request.text();
    const recorded = {
      method: request.method,
      url: request.url,
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body: text === "" ? undefined : JSON.parse(text),
    };
    requests.push(recorded);
    return await handler(recorded, requests.length - 1);
  };
  return { fetch: fetchFn as typeof fetch, requests };
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Cal.com's error envelope. */
export function calcomErrorBody(code: string, message: string): unknown {
  return { status: "error", timestamp: "2025-03-10T12:00:00.000Z", path: "/v2/x", error: { code, message } };
}

/** A booking with only the fields every Cal.com deployment sends. */
export function minimalBooking(id: number): Record<string, unknown> {
  return {
    id,
    uid: `uid-${id}`,
    start: "2025-03-10T14:00:00.000Z",
    end: "2025-03-10T14:30:00.000Z",
    status: "accepted",
  };
}

/** The regular booking of contract §2.4, every field Cal.com sends for it. */
export const regularBooking = {
  id: 48213,
  uid: "k3QmZ8pTqR2vYw1nLx7cAb",
  title: "Intro call between Dana Host and Sam Guest",
  description: "",
  hosts: [{
    id: 512,
    name: "Dana Host",
    email: "dana@example.com",
    displayEmail: "dana@example.com",
    username: "dana",
    timeZone: "Europe/Berlin",
  }],
  status: "accepted",
  cancellationReason: "",
  cancelledByEmail: "",
  rescheduledByEmail: null,
  start: "2025-03-10T14:00:00.000Z",
  end: "2025-03-10T14:30:00.000Z",
  duration: 30,
  eventTypeId: 9001,
  eventType: { id: 9001, slug: "intro-call" },
  meetingUrl: "https://app.cal.com/video/k3QmZ8pTqR2vYw1nLx7cAb",
  location: "https://app.cal.com/video/k3QmZ8pTqR2vYw1nLx7cAb",
  absentHost: false,
  createdAt: "2025-03-01T09:12:44.120Z",
  updatedAt: "2025-03-01T09:12:46.901Z",
  rating: null,
  icsUid: "k3QmZ8pTqR2vYw1nLx7cAb@cal.com",
  attendees: [{
    name: "Sam Guest",
    email: "sam@example.org",
    displayEmail: "sam@example.org",
    timeZone: "America/New_York",
    language: "en",
    absent: false,
  }],
  guests: ["pat@example.org"],
  bookingFieldsResponses: { name: "Sam Guest", email: "sam@example.org", notes: "Looking forward" },
  metadata: {},
};

/** A `GET /v2/bookings` body for `skip`/`take` over `all`, paginated the way Cal.com computes it. */
export function bookingsPage(all: unknown[], skip: number, take: number): unknown {
  const totalItems = all.length;
  return {
    status: "success",
    data: all.slice(skip, skip + take),
    pagination: {
      returnedItems: Math.max(0, Math.min(take, totalItems - skip)),
      totalItems,
      itemsPerPage: take,
      remainingItems: Math.max(0, totalItems - (skip + take)),
      currentPage: totalItems === 0 ? 0 : Math.floor(skip / take) + 1,
      totalPages: Math.ceil(totalItems / take),
      hasNextPage: skip + take < totalItems,
      hasPreviousPage: skip > 0,
    },
  };
}

/** A fresh API key, so each test gets its own process-wide rate limiter. */
export function testApiKey(): string {
  return `cal_test_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** The {@linkcode CalcomError} `promise` rejects with; fails the test when it resolves or throws anything else. */
export async function rejection(promise: Promise<unknown>): Promise<CalcomError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CalcomError, `expected a CalcomError, got ${err}`);
    return err;
  }
  assert.fail("expected the call to fail");
}
