import assert from "node:assert/strict";
import {
  applyCursorPage,
  cursorPageSize,
  nextCursorRequest,
  offsetCheckpoint,
  restartStream,
  streamCheckpoint,
} from "./cursor_plan.ts";
import { fullCheckpoint, incrementalCheckpoint, SyncCheckpointSchema } from "./sync_plan.ts";

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString();
const item = (uid: string, minute: number | null) => ({
  uid,
  updatedAt: minute === null ? null : at(minute),
});

Deno.test("a full run streams newest first without bounds, an incremental one from its watermark", () => {
  const full = streamCheckpoint(fullCheckpoint());
  assert.deepEqual(nextCursorRequest(full), { sortUpdatedAt: "desc", limit: cursorPageSize });
  const incremental = streamCheckpoint(incrementalCheckpoint(at(5), ["w"]));
  assert.deepEqual(nextCursorRequest(incremental, { status: ["past"] }), {
    status: ["past"],
    sortUpdatedAt: "desc",
    limit: cursorPageSize,
    afterUpdatedAt: at(5),
  });
  assert.equal(incremental.high, at(5));
  assert.ok(SyncCheckpointSchema.safeParse(incremental).success, "saved as any checkpoint is");
});

Deno.test("a page moves the stream to its cursor and tracks the newest and the oldest received", () => {
  const cp = streamCheckpoint(fullCheckpoint());
  const step = applyCursorPage(cp, {
    bookings: [item("n", null), item("a", 9), item("b", 7)],
    nextCursor: "c1",
  });
  assert.equal(step.accepted.length, 3);
  assert.equal(step.next.pageCursor, "c1");
  assert.equal(step.next.high, at(9));
  assert.equal(step.next.cursor, at(7));
  assert.deepEqual(step.next.seen, ["b"]);
  assert.deepEqual(nextCursorRequest(step.next).cursor, "c1");
});

Deno.test("a booking received again in the same state is not written again", () => {
  const cp = { ...streamCheckpoint(fullCheckpoint()), cursor: at(7), seen: ["b"], pageCursor: "c1" };
  const step = applyCursorPage(cp, { bookings: [item("b", 7), item("c", 6)], nextCursor: null });
  assert.deepEqual(step.accepted.map((i) => i.uid), ["c"]);
  assert.equal(step.next.phase, "done");
});

Deno.test("bookings at the watermark the previous run received are dropped", () => {
  const cp = streamCheckpoint(incrementalCheckpoint(at(5), ["w"]));
  const step = applyCursorPage(cp, {
    bookings: [item("x", 8), item("w", 5), item("v", 5)],
    nextCursor: null,
  });
  assert.deepEqual(step.accepted.map((i) => i.uid), ["x", "v"]);
  assert.equal(step.next.high, at(8));
});

Deno.test("an empty page ends the stream whatever cursor it names", () => {
  const step = applyCursorPage(streamCheckpoint(fullCheckpoint()), { bookings: [], nextCursor: "again" });
  assert.equal(step.next.phase, "done");
});

Deno.test("a refused cursor restarts below the oldest received, or from the top when none had a time", () => {
  const cp = { ...streamCheckpoint(fullCheckpoint()), cursor: at(7), seen: ["b"], pageCursor: "stale" };
  const restarted = restartStream(cp);
  assert.deepEqual(nextCursorRequest(restarted), {
    sortUpdatedAt: "desc",
    limit: cursorPageSize,
    beforeUpdatedAt: at(7),
  });
  const step = applyCursorPage(restarted, { bookings: [item("b", 7), item("d", 6)], nextCursor: null });
  assert.deepEqual(step.accepted.map((i) => i.uid), ["d"], "what was received at the boundary is dropped");
  const fromTop = restartStream({ ...streamCheckpoint(fullCheckpoint()), pageCursor: "stale" });
  assert.deepEqual(nextCursorRequest(fromTop), { sortUpdatedAt: "desc", limit: cursorPageSize });
});

Deno.test("a deployment without the cursor version gets the run's start back in offsets", () => {
  assert.deepEqual(offsetCheckpoint(streamCheckpoint(fullCheckpoint())), fullCheckpoint());
  assert.deepEqual(
    offsetCheckpoint(streamCheckpoint(incrementalCheckpoint(at(5), ["w"]))),
    incrementalCheckpoint(at(5), ["w"]),
  );
});
