/// <reference lib="dom" />
/**
 * The settings page's account controls that need the connection function's PATCH route and the
 * extended connection view (bookingCount, lastSyncError, webhookHealth): pause and resume, the webhook
 * health panel, and "Needs attention" after Cal.com refused the stored key.
 *
 * @module
 */
import assert from "node:assert/strict";
import { assertAccessible, startSettingsBrowser } from "./settings_browser.ts";

Deno.test({
  name: "settings page account controls in Chromium",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const ui = await startSettingsBrowser();
    const { page, server } = ui;
    const sandbox = server.sandbox!;
    const hostId = server.calcom.sandbox!.userId;
    const card = page.getByRole("article", { name: "Cal.com dev-host" });
    try {
      await ui.open();
      await page.getByLabel("API key", { exact: true }).fill(ui.apiKey);
      await page.getByRole("button", { name: "Connect Cal.com" }).click();
      await card.waitFor();
      await card.getByRole("button", { name: "Sync Bookings Now" }).click();
      await page.getByText(/^Sync complete: \d+ new/).waitFor();

      await t.step("the card counts the stored bookings", async () => {
        const total = sandbox.bookings(hostId).length;
        await card.locator("dt", { hasText: "Stored bookings" }).locator("+ dd", { hasText: String(total) })
          .waitFor();
      });

      await t.step("pause and resume change the status in place", async () => {
        await card.getByRole("button", { name: "Pause" }).click();
        await card.getByText("Paused", { exact: true }).waitFor();
        await card.getByRole("button", { name: "Resume" }).click();
        await card.getByText("Connected", { exact: true }).waitFor();
        await card.getByRole("button", { name: "Pause" }).waitFor();
      });

      await t.step("a webhook delivery shows in the health panel without a reload", async () => {
        // An upcoming one: Cal.com refuses to cancel a booking that has ended.
        const now = sandbox.now().getTime();
        const uid = sandbox.bookings(hostId).find((b) =>
          b.status === "accepted" && Date.parse(String(b.end)) > now
        )!.uid;
        await sandbox.cancelBooking(String(uid), "Conflict");
        const health = card.getByRole("definition").filter({ has: page.locator("time") });
        await health.first().waitFor();
        await card.locator("dt", { hasText: "Deliveries (24 h)" }).locator("+ dd", { hasText: /^[1-9]/ })
          .waitFor();
        await assertAccessible(page);
      });

      await t.step("a key Cal.com refuses during a sync: the reason and Needs attention", async () => {
        sandbox.revokeApiKey(ui.apiKey);
        await card.getByRole("button", { name: "Sync Bookings Now" }).click();
        await card.getByRole("alert").filter({ hasText: "Cal.com refused the stored API key" }).waitFor();
        await card.getByText("Needs attention", { exact: true }).waitFor();
        assert.equal(await card.getByRole("button", { name: "Resume" }).count(), 1);
      });
    } finally {
      await ui.close();
    }
  },
});
