import assert from "node:assert/strict";
import { isWindowIssue, reconcileWindow } from "./reconcile_window.ts";

const now = new Date("2031-03-01T12:00:00.000Z");

Deno.test("a reconciliation reads from a week ago to three months ahead by default", () => {
  assert.deepEqual(reconcileWindow(now), {
    afterStart: "2031-02-22T12:00:00.000Z",
    beforeEnd: "2031-05-30T12:00:00.000Z",
  });
});

Deno.test("a reconciliation window takes the caller's bounds and fills in the missing one", () => {
  assert.deepEqual(reconcileWindow(now, { afterStart: "2031-01-01T00:00:00.000Z" }), {
    afterStart: "2031-01-01T00:00:00.000Z",
    beforeEnd: "2031-05-30T12:00:00.000Z",
  });
  assert.deepEqual(reconcileWindow(now, { beforeEnd: "2031-03-02T00:00:00.000Z" }), {
    afterStart: "2031-02-22T12:00:00.000Z",
    beforeEnd: "2031-03-02T00:00:00.000Z",
  });
});

Deno.test("a reconciliation window that ends before it starts or spans over 366 days is refused", () => {
  for (
    const requested of [
      { afterStart: "2031-03-02T00:00:00Z", beforeEnd: "2031-03-01T00:00:00Z" },
      { afterStart: "2031-03-01T00:00:00Z", beforeEnd: "2031-03-01T00:00:00Z" },
      { afterStart: "2029-01-01T00:00:00Z" },
      { afterStart: "2031-01-01T00:00:00Z", beforeEnd: "2032-01-03T00:00:00Z" },
    ]
  ) {
    const window = reconcileWindow(now, requested);
    assert.ok(isWindowIssue(window), JSON.stringify(requested));
    assert.equal(window.path, "beforeEnd");
  }
});
