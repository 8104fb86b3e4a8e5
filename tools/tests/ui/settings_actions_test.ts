/// <reference lib="dom" />
/**
 * The booking actions and "New booking" of the settings page in Chromium, end to end through the dev
 * server, the functions, the sandbox and the database. The sandbox clock and the page's clock are both
 * pinned at Monday 2031-03-03 06:00 UTC (the dev host works weekdays 09:00–17:00 Europe/Berlin, UTC+1
 * then), so every time below follows from that instant and none from today's date.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { assertAccessible, screenshot, startSettingsBrowser } from "./settings_browser.ts";

const NOW = "2031-03-03T06:00:00.000Z";

/** Polls `check` until it holds (no sleeps in the assertions, a deadline instead). */
async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function item(page: Page, title: string) {
  return page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: title, exact: true }) });
}

Deno.test({
  name: "settings page booking actions in Chromium",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const ui = await startSettingsBrowser();
    const { page, server, db } = ui;
    const sandbox = server.sandbox!;
    const hostId = server.calcom.sandbox!.userId;
    const types = Object.fromEntries(sandbox.eventTypes(hostId).map((e) => [e.slug, e.id]));
    const row = async (uid: string) => {
      const [r] = await db.sql<
        {
          status: string;
          cancellation_reason: string | null;
          rejection_reason: string | null;
          rescheduled_to_uid: string | null;
          start_time: Date;
          attendees: { email: string; absent?: boolean }[];
        }[]
      >`select status, cancellation_reason, rejection_reason, rescheduled_to_uid, start_time, attendees
        from public.calcom_bookings where booking_uid = ${uid}`;
      return r;
    };
    try {
      page.setDefaultTimeout(10_000);
      sandbox.setNow(NOW);
      await ui.context.clock.setFixedTime(new Date(NOW));
      const attendee = (name: string) => ({
        name,
        email: `${name.split(" ")[0].toLowerCase()}@example.org`,
        timeZone: "Europe/Berlin",
      });
      const cancelMe = await sandbox.createBooking(hostId, {
        eventTypeId: types["30min"],
        start: "2031-03-04T08:00:00.000Z",
        title: "Cancel me",
        attendee: attendee("Ann Cancel"),
      });
      const moveMe = await sandbox.createBooking(hostId, {
        eventTypeId: types["30min"],
        start: "2031-03-05T08:00:00.000Z",
        title: "Move me",
        attendee: attendee("Bo Move"),
      });
      const confirmMe = await sandbox.createBooking(hostId, {
        eventTypeId: types.consult,
        start: "2031-03-04T10:00:00.000Z",
        title: "Confirm me",
        attendee: attendee("Cy Confirm"),
      });
      const declineMe = await sandbox.createBooking(hostId, {
        eventTypeId: types.consult,
        start: "2031-03-05T10:00:00.000Z",
        title: "Decline me",
        attendee: attendee("Di Decline"),
      });
      const pastCall = await sandbox.createBooking(hostId, {
        eventTypeId: types["30min"],
        start: "2031-03-03T04:00:00.000Z",
        title: "Past call",
        attendee: attendee("Pat Past"),
      });
      const staleOne = await sandbox.createBooking(hostId, {
        eventTypeId: types["30min"],
        start: "2031-03-06T13:00:00.000Z",
        title: "Stale one",
        attendee: attendee("Stu Stale"),
      });
      const series = await sandbox.createRecurringBooking(hostId, {
        eventTypeId: types["weekly-sync"],
        start: "2031-03-04T14:00:00.000Z",
        title: "Weekly sync",
        attendee: attendee("Wes Weekly"),
      });
      assert.deepEqual([confirmMe.status, declineMe.status], ["pending", "pending"]);

      // One page holds the dev host's 40 seeded bookings (all before the pinned clock) and these.
      await ui.open({ pageSize: 100 });
      await page.getByLabel("API key", { exact: true }).fill(ui.apiKey);
      await page.getByRole("button", { name: "Connect Cal.com" }).click();
      const card = page.getByRole("article", { name: "Cal.com dev-host" });
      await card.getByRole("button", { name: "Sync Bookings Now" }).click();
      await page.getByText(/^Sync complete: \d+ new/).waitFor();
      await page.getByRole("list", { name: "Upcoming bookings" }).waitFor();

      await t.step("each booking offers the actions of its state", async () => {
        const accepted = item(page, "Cancel me");
        await accepted.getByRole("button", { name: "Cancel booking" }).waitFor();
        await accepted.getByRole("button", { name: "Reschedule" }).waitFor();
        assert.equal(await accepted.getByRole("button", { name: "Confirm" }).count(), 0);
        const pending = item(page, "Confirm me");
        for (const name of ["Confirm", "Decline", "Cancel booking", "Reschedule"]) {
          await pending.getByRole("button", { name, exact: true }).waitFor();
        }
        assert.equal(await pending.getByRole("button", { name: "Mark no-show" }).count(), 0);
      });

      await t.step(
        "cancel asks first, with a reason; row and list say cancelled after the echo",
        async () => {
          const booking = item(page, "Cancel me");
          await booking.getByRole("button", { name: "Cancel booking" }).click();
          const dialog = page.getByRole("dialog", { name: "Cancel this booking?" });
          await dialog.waitFor();
          assert.equal(
            await dialog.getByRole("button", { name: "Keep booking" }).evaluate((e) =>
              e === document.activeElement
            ),
            true,
          );
          await assertAccessible(page);
          await screenshot(page, "cancel-booking-dialog", dialog);
          await dialog.getByLabel("Reason").fill("Host is travelling");
          await dialog.getByRole("button", { name: "Cancel booking" }).click();
          await page.getByRole("status").filter({ hasText: "Booking cancelled: Cancel me" }).waitFor();
          await dialog.waitFor({ state: "detached" });
          const stored = await row(cancelMe.uid);
          assert.deepEqual([stored.status, stored.cancellation_reason], ["CANCELLED", "Host is travelling"]);
          assert.equal(sandbox.booking(cancelMe.uid)!.status, "cancelled");
          // Cal.com's BOOKING_CANCELLED for the same change reaches the functions and changes nothing.
          await eventually(
            () =>
              sandbox.deliveries.some((d) =>
                d.trigger === "BOOKING_CANCELLED" && d.body.includes(cancelMe.uid) && d.status === 200
              ),
            "the BOOKING_CANCELLED echo",
          );
          const after = await row(cancelMe.uid);
          assert.deepEqual([after.status, after.cancellation_reason], ["CANCELLED", "Host is travelling"]);
          await booking.waitFor({ state: "detached" });
          await page.getByRole("button", { name: "Cancelled", exact: true }).click();
          const shown = item(page, "Cancel me");
          await shown.getByText("Reason: Host is travelling").waitFor();
          assert.equal(await shown.locator(".calcom-badge").innerText(), "Cancelled");
          assert.equal(await shown.getByRole("button").count(), 0);
          await page.getByRole("button", { name: "Upcoming", exact: true }).click();
          await page.getByRole("list", { name: "Upcoming bookings" }).waitFor();
        },
      );

      await t.step("cancel of a recurring occurrence can take all that follow", async () => {
        const second = series[1];
        const booking = page.locator(`[data-uid="${second.uid}"]`);
        await booking.getByRole("button", { name: "Cancel booking" }).click();
        const dialog = page.getByRole("dialog", { name: "Cancel this booking?" });
        const which = dialog.getByRole("group", { name: "Which bookings" });
        assert.equal(await which.getByLabel("Only this one").isChecked(), true);
        await which.getByLabel("This one and all that follow").check();
        await dialog.getByLabel("Reason").fill("The series ends");
        await assertAccessible(page);
        await dialog.getByRole("button", { name: "Cancel booking" }).click();
        await page.getByRole("status").filter({ hasText: "Booking cancelled: Weekly sync" }).waitFor();
        const statuses = [];
        for (const occurrence of series) statuses.push((await row(occurrence.uid)).status);
        assert.deepEqual(statuses, ["ACCEPTED", ...series.slice(1).map(() => "CANCELLED")]);
        await page.locator(`[data-uid="${series[0].uid}"]`).getByRole("button", { name: "Cancel booking" })
          .waitFor();
      });

      await t.step("cancelling a booking Cal.com already cancelled is refused in words", async () => {
        // The webhook off, the mirror does not learn of the cancellation made in Cal.com.
        const hook = (id: unknown, active: boolean) =>
          fetch(`${sandbox.url}/v2/webhooks/${id}`, {
            method: "PATCH",
            headers: { authorization: `Bearer ${ui.apiKey}`, "content-type": "application/json" },
            body: JSON.stringify({ active }),
          }).then(async (r) => assert.equal(r.status, 200, await r.text()));
        const hooks = sandbox.webhooks(hostId).map((w) => w.id);
        assert.ok(hooks.length > 0);
        for (const id of hooks) await hook(id, false);
        try {
          await sandbox.cancelBooking(staleOne.uid, "Cancelled in Cal.com");
          const booking = item(page, "Stale one");
          await booking.getByRole("button", { name: "Cancel booking" }).click();
          const dialog = page.getByRole("dialog", { name: "Cancel this booking?" });
          await dialog.getByLabel("Reason").fill("No longer needed");
          await dialog.getByRole("button", { name: "Cancel booking" }).click();
          await booking.getByRole("alert").filter({
            hasText: "This booking was already cancelled in Cal.com",
          })
            .waitFor();
          await dialog.waitFor({ state: "detached" });
        } finally {
          for (const id of hooks) await hook(id, true);
        }
      });

      await t.step("reschedule moves a booking to a free slot of its event type", async () => {
        await item(page, "Move me").getByRole("button", { name: "Reschedule" }).click();
        const dialog = page.getByRole("dialog", { name: "Reschedule Move me" });
        await dialog.getByLabel("Day").selectOption({ label: "Thu, Mar 6, 2031" });
        await dialog.getByLabel("Time").selectOption({ label: "10:00 AM" });
        await dialog.getByLabel("Reason").fill("A clash");
        await assertAccessible(page);
        await dialog.getByRole("button", { name: "Move booking" }).click();
        await page.getByRole("status").filter({ hasText: "Booking moved: Move me" }).waitFor();
        const moved = item(page, "Move me");
        await moved.locator("time").filter({ hasText: "Thu, Mar 6, 2031, 10:00 AM" }).waitFor();
        const newUid = await moved.getAttribute("data-uid");
        assert.ok(newUid && newUid !== moveMe.uid);
        assert.equal(await page.locator(`[data-uid="${moveMe.uid}"]`).count(), 0);
        const old = await row(moveMe.uid);
        assert.deepEqual([old.status, old.rescheduled_to_uid], ["CANCELLED", newUid]);
        const fresh = await row(newUid);
        assert.deepEqual([fresh.status, fresh.start_time.toISOString()], [
          "ACCEPTED",
          "2031-03-06T09:00:00.000Z",
        ]);
      });

      await t.step("confirm accepts an unconfirmed booking in place", async () => {
        const booking = item(page, "Confirm me");
        await booking.getByRole("button", { name: "Confirm", exact: true }).click();
        await page.getByRole("status").filter({ hasText: "Booking confirmed: Confirm me" }).waitFor();
        await booking.locator(".calcom-badge", { hasText: "Accepted" }).waitFor();
        assert.equal(await booking.getByRole("button", { name: "Confirm", exact: true }).count(), 0);
        assert.equal((await row(confirmMe.uid)).status, "ACCEPTED");
      });

      await t.step("decline asks first and keeps the reason", async () => {
        await item(page, "Decline me").getByRole("button", { name: "Decline", exact: true }).click();
        const dialog = page.getByRole("dialog", { name: "Decline this booking?" });
        await dialog.getByLabel("Reason").fill("Fully booked that week");
        await dialog.getByRole("button", { name: "Decline", exact: true }).click();
        await page.getByRole("status").filter({ hasText: "Booking declined: Decline me" }).waitFor();
        const stored = await row(declineMe.uid);
        assert.deepEqual([stored.status, stored.rejection_reason], ["REJECTED", "Fully booked that week"]);
        await page.getByRole("button", { name: "Cancelled", exact: true }).click();
        await item(page, "Decline me").getByText("Reason: Fully booked that week").waitFor();
      });

      await t.step("an attendee of a past booking is marked a no-show, then present again", async () => {
        await page.getByRole("button", { name: "Past", exact: true }).click();
        await page.getByRole("list", { name: "Past bookings" }).waitFor();
        const booking = item(page, "Past call");
        await booking.getByRole("button", { name: "Mark no-show" }).click();
        const dialog = page.getByRole("dialog", { name: "Record no-shows" });
        await dialog.getByLabel("Pat Past <pat@example.org>").check();
        await assertAccessible(page);
        await dialog.getByRole("button", { name: "Save attendance" }).click();
        await booking.getByText("No-show: Pat Past").waitFor();
        assert.equal((await row(pastCall.uid)).attendees[0].absent, true);
        await booking.getByRole("button", { name: "Mark no-show" }).click();
        await dialog.getByLabel("Pat Past <pat@example.org>").uncheck();
        await dialog.getByRole("button", { name: "Save attendance" }).click();
        await page.getByRole("status").filter({ hasText: "Attendance saved: Past call" }).waitFor();
        await booking.getByText("No-show:").waitFor({ state: "detached" });
        assert.equal((await row(pastCall.uid)).attendees[0].absent, false);
      });

      await t.step("New booking books a free slot once, even when Book is double-clicked", async () => {
        await page.getByRole("button", { name: "Upcoming", exact: true }).click();
        await page.getByRole("list", { name: "Upcoming bookings" }).waitFor();
        const before = sandbox.bookings(hostId).length;
        await page.getByRole("button", { name: "New booking" }).click();
        const dialog = page.getByRole("dialog", { name: "New booking" });
        await dialog.getByLabel("Event type").selectOption({ label: "30 min meeting (30 min)" });
        await dialog.getByLabel("Day").selectOption({ label: "Fri, Mar 7, 2031" });
        await dialog.getByLabel("Time", { exact: true }).selectOption({ label: "11:00 AM" });
        await dialog.getByLabel("Name").fill("Sam Guest");
        await dialog.getByLabel("Email").fill("sam@example.org");
        assert.equal(await dialog.getByLabel("Time zone").inputValue(), "Europe/Berlin");
        await dialog.getByLabel("Time zone").selectOption("America/New_York");
        await dialog.getByLabel("Guests").fill("lee@example.net");
        await assertAccessible(page);
        await screenshot(page, "new-booking-dialog", dialog);
        await dialog.getByRole("button", { name: "Book" }).dblclick();
        await page.getByRole("status").filter({ hasText: /^Booked: / }).waitFor();
        await dialog.waitFor({ state: "detached" });
        const created = sandbox.bookings(hostId).filter((b) =>
          JSON.stringify(b.attendees).includes("sam@example.org")
        );
        assert.equal(created.length, 1, "one booking for the double click");
        assert.equal(sandbox.bookings(hostId).length, before + 1);
        assert.equal(String(created[0].start), "2031-03-07T10:00:00.000Z");
        await page.locator(`[data-uid="${created[0].uid}"] .calcom-booking-attendees`, {
          hasText: "Sam Guest",
        })
          .waitFor();
        const stored = await row(String(created[0].uid));
        assert.equal(stored.status, "ACCEPTED");
      });

      await t.step("a time taken meanwhile is refused in words and the times are read again", async () => {
        await page.getByRole("button", { name: "New booking" }).click();
        const dialog = page.getByRole("dialog", { name: "New booking" });
        await dialog.getByLabel("Day").selectOption({ label: "Fri, Mar 7, 2031" });
        await dialog.getByLabel("Time", { exact: true }).selectOption({ label: "2:00 PM" });
        await dialog.getByLabel("Name").fill("Late Comer");
        await dialog.getByLabel("Email").fill("late@example.org");
        await sandbox.createBooking(hostId, {
          eventTypeId: types["30min"],
          start: "2031-03-07T13:00:00.000Z",
          title: "Taken meanwhile",
        });
        await dialog.getByRole("button", { name: "Book" }).click();
        await dialog.getByRole("alert").filter({ hasText: "That time is no longer free. Pick another time" })
          .waitFor();
        assert.equal(await page.getByText("{").count(), 0, "a raw JSON body is shown");
        await dialog.getByLabel("Day").selectOption({ label: "Fri, Mar 7, 2031" });
        const times = await dialog.getByLabel("Time", { exact: true }).locator("option").allInnerTexts();
        assert.ok(!times.includes("2:00 PM"), `2:00 PM still offered: ${times}`);
        assert.ok(times.includes("2:30 PM"));
      });

      await t.step("the dialog works at 375 px and by keyboard; Escape closes it", async () => {
        await page.setViewportSize({ width: 375, height: 800 });
        const dialog = page.getByRole("dialog", { name: "New booking" });
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= 375, `the page is ${width} px wide at 375 px`);
        const box = await dialog.boundingBox();
        assert.ok(
          box && box.x >= 0 && box.x + box.width <= 375,
          `the dialog overflows: ${JSON.stringify(box)}`,
        );
        await assertAccessible(page);
        await page.keyboard.press("Escape");
        await dialog.waitFor({ state: "detached" });
        const newBooking = page.getByRole("button", { name: "New booking" });
        const focused = () => newBooking.evaluate((e) => e === document.activeElement);
        assert.equal(await focused(), true, "the focus did not come back to New booking");
        await page.keyboard.press("Enter");
        await dialog.waitFor();
        await dialog.getByLabel("Event type").waitFor();
        const inside = await dialog.evaluate((d) => d.contains(document.activeElement));
        assert.equal(inside, true, "the focus is not in the dialog");
        const later = dialog.getByRole("button", { name: "Later days" });
        await later.focus();
        await page.keyboard.press("Enter");
        // The next 30 days start on Wednesday 2031-04-02, 30 days after the pinned clock.
        await dialog.getByLabel("Day").locator("option").first().filter({ hasText: "Wed, Apr 2, 2031" })
          .waitFor({ state: "attached" });
        assert.equal(
          await later.evaluate((e) => e === document.activeElement),
          true,
          "Later days lost the focus",
        );
        await page.keyboard.press("Escape");
        await dialog.waitFor({ state: "detached" });
        await page.setViewportSize({ width: 1000, height: 900 });
      });
    } finally {
      await ui.close();
    }
  },
});
