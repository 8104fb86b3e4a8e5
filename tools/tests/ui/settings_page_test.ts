/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dev server's settings page in a real Chromium, as a person uses it: everything goes through the
 * page, the functions, the sandbox and the database. Steps run in order on one dev server (the dev
 * user has one account to connect); each names the behaviour it checks.
 *
 * @module
 */
import assert from "node:assert/strict";
import { assertAccessible, screenshot, startSettingsBrowser } from "./settings_browser.ts";

Deno.test({
  name: "settings page in Chromium",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const ui = await startSettingsBrowser();
    const { page, server } = ui;
    const sandbox = server.sandbox!;
    const hostId = server.calcom.sandbox!.userId;
    const apiKeyField = page.getByLabel("API key", { exact: true });
    const connectButton = page.getByRole("button", { name: "Connect Cal.com" });
    try {
      await t.step("not connected: the connect form with its hint, and no axe violations", async () => {
        await ui.open();
        await page.getByText("No Cal.com account is connected yet.").waitFor();
        await page.getByText("Settings → Developer → API keys").waitFor();
        assert.equal(await page.getByLabel("Label", { exact: true }).count(), 1);
        assert.equal(await page.getByLabel("Webhook secret", { exact: true }).count(), 1);
        await assertAccessible(page);
        await screenshot(page, "not-connected");
      });

      await t.step("a malformed key is explained next to the field, without calling Cal.com", async () => {
        sandbox.resetRequests();
        await apiKeyField.fill("not-a-key");
        await connectButton.click();
        const error = page.getByRole("alert").filter({ hasText: "This is not a Cal.com API key" });
        await error.waitFor();
        assert.equal(await apiKeyField.getAttribute("aria-invalid"), "true");
        assert.match((await apiKeyField.getAttribute("aria-describedby"))!, /apiKey-error/);
        assert.equal(sandbox.requests.length, 0);
      });

      await t.step("a key Cal.com refuses says so in words", async () => {
        await apiKeyField.fill("cal_test_doesnotexist1234");
        await connectButton.click();
        await page.getByRole("alert").filter({ hasText: "Cal.com refused this API key" }).waitFor();
        assert.equal(await page.getByText("{").count(), 0, "a raw JSON body is shown");
      });

      await t.step("Cal.com down: the person is told it could not be reached", async () => {
        sandbox.setFaults({ path: "/v2/me", errorRate: 1, errorStatus: 503 });
        try {
          await apiKeyField.fill(ui.apiKey);
          await connectButton.click();
          await page.getByRole("alert").filter({ hasText: "Cal.com could not be reached" }).waitFor();
          await screenshot(page, "error-calcom-unreachable");
        } finally {
          sandbox.setFaults({});
        }
      });

      await t.step("connect with the sandbox key using the keyboard shows the account", async () => {
        await apiKeyField.fill(ui.apiKey);
        await page.getByLabel("Label", { exact: true }).fill("Work calendar");
        await apiKeyField.press("Enter");
        const card = page.getByRole("article", { name: "Work calendar" });
        await card.waitFor();
        await card.getByText("Connected", { exact: true }).waitFor();
        await card.getByText("dev-host · dev-host@example.com").waitFor();
        await card.getByText("Europe/Berlin").waitFor();
        assert.equal(await card.getByText(ui.apiKey).count(), 0, "the key is shown");
        await card.getByText(`••••${ui.apiKey.slice(-4)}`).waitFor();
        await card.getByText("Never").waitFor();
        await page.getByRole("heading", { name: "Recent Bookings" }).waitFor();
      });

      await t.step("copy puts the webhook URL on the clipboard", async () => {
        const url = await page.getByLabel("Webhook URL").inputValue();
        assert.match(url, new RegExp(`^${server.functionsUrl}/calcom-webhook/[0-9a-f-]{36}$`));
        await page.getByRole("button", { name: "Copy" }).click();
        await page.getByText("Copied to the clipboard").waitFor();
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
      });

      await t.step("sync now shows the result and fills Recent Bookings", async () => {
        await page.getByRole("button", { name: "Sync Bookings Now" }).click();
        const total = sandbox.bookings(hostId).length;
        await page.getByText(`Sync complete: ${total} new, 0 updated`).waitFor();
        await page.getByRole("list", { name: "Upcoming bookings" }).waitFor();
        await page.getByRole("article", { name: "Work calendar" }).getByText("just now").waitFor();
      });

      await t.step("cancelled and unconfirmed views show only those statuses", async () => {
        await page.getByRole("button", { name: "Cancelled" }).click();
        await page.getByRole("list", { name: "Cancelled bookings" }).or(
          page.getByText("No cancelled bookings"),
        )
          .waitFor();
        for (const badge of await page.locator(".calcom-booking .calcom-badge").allInnerTexts()) {
          assert.ok(["Cancelled", "Rejected"].includes(badge), badge);
        }
        await page.getByRole("button", { name: "Unconfirmed" }).click();
        await page.getByRole("list", { name: "Unconfirmed bookings" })
          .or(page.getByText("No bookings waiting for confirmation")).waitFor();
        for (const badge of await page.locator(".calcom-booking .calcom-badge").allInnerTexts()) {
          assert.ok(["Unconfirmed", "Awaiting host"].includes(badge), badge);
        }
        await page.getByRole("button", { name: "Past" }).click();
        await page.getByRole("list", { name: "Past bookings" }).waitFor();
        assert.equal(await page.getByRole("button", { name: "Past" }).getAttribute("aria-pressed"), "true");
      });

      await t.step("search filters by attendee name or email", async () => {
        await page.getByRole("button", { name: "Upcoming" }).click();
        await page.getByRole("list", { name: "Upcoming bookings" }).waitFor();
        const text = await page.locator(".calcom-booking-attendees").first().innerText();
        const name = text.replace(/^With /, "").split(/[<,]/)[0].trim();
        const search = page.getByLabel("Search by attendee name or email");
        await search.fill(name.toUpperCase());
        await page.waitForFunction(
          (n) => {
            const shown = [...document.querySelectorAll(".calcom-booking-attendees")];
            return shown.length > 0 && shown.every((e) => e.textContent!.toLowerCase().includes(n));
          },
          name.toLowerCase(),
        );
        assert.ok(await page.locator(".calcom-booking").count() >= 1);
        await search.fill("nobody-by-this-name@nowhere.example");
        await page.getByText("No loaded booking matches this search").waitFor();
        await search.fill("");
      });

      await t.step("a cancellation made in Cal.com appears without a reload", async () => {
        const uid = await page.locator(".calcom-booking").first().getAttribute("data-uid");
        assert.ok(uid);
        await page.getByRole("button", { name: "Cancelled" }).click();
        await page.getByRole("list", { name: "Cancelled bookings" }).or(
          page.getByText("No cancelled bookings"),
        )
          .waitFor();
        assert.equal(await page.locator(`[data-uid="${uid}"]`).count(), 0);
        // A change in the same second as the page's last sync read waits for the next sync (Cal.com's Date
        // header has whole seconds: docs/decisions.md, "One clock"); a person is slower than that.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const res = await fetch(`${server.supabaseUrl}/_dev/sandbox/bookings/${uid}/cancel`, {
          method: "POST",
          body: JSON.stringify({ reason: "Host is ill" }),
        });
        assert.equal(res.status, 200, await res.text());
        const item = page.locator(`[data-uid="${uid}"]`);
        await item.waitFor();
        await item.getByText("Reason: Host is ill").waitFor();
        await page.getByRole("button", { name: "Upcoming" }).click();
        await page.getByRole("list", { name: "Upcoming bookings" }).waitFor();
        await page.locator(`[data-uid="${uid}"]`).waitFor({ state: "detached" });
      });

      await t.step(
        "connected with bookings: no axe violations; readable at 375 px and in dark mode",
        async () => {
          await assertAccessible(page);
          await screenshot(page, "connected-with-bookings");
          await page.setViewportSize({ width: 375, height: 800 });
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(overflow <= 375, `the page is ${overflow} px wide at 375 px`);
          await page.emulateMedia({ colorScheme: "dark" });
          const background = await page.locator(".calcom-settings").evaluate((e) =>
            getComputedStyle(e).backgroundColor
          );
          assert.equal(background, "rgb(11, 15, 23)");
          await assertAccessible(page);
          await screenshot(page, "connected-dark-375px");
          await page.emulateMedia({ colorScheme: "light" });
          await page.setViewportSize({ width: 1000, height: 900 });
        },
      );

      await t.step(
        "a full resync behind a second action goes partial, shows progress, then completes",
        async () => {
          // Bookings the incremental sync would not see (old updatedAt): only a full resync reads them.
          sandbox.seedBookings(hostId, 300, { seed: 7 });
          // Each bookings page takes longer than the 1 s sync deadline: every call ends after one page.
          sandbox.setFaults({ path: "/v2/bookings", latencyMs: 1200 });
          try {
            await page.getByText("More sync options").click();
            await page.getByRole("button", { name: "Full resync" }).click();
            await page.getByText(/Full resync in progress: 2\d\d bookings fetched so far/).waitFor();
            await page.getByRole("article", { name: "Work calendar" }).getByText("Syncing", { exact: true })
              .waitFor();
            await page.getByText(/Sync complete: 300 new, \d+ updated \(3\d\d bookings checked\)/).waitFor({
              timeout: 60_000,
            });
          } finally {
            sandbox.setFaults({});
          }
        },
      );

      await t.step("the upcoming view pages on demand with Load more", async () => {
        const now = sandbox.now().getTime();
        const upcoming = sandbox.bookings(hostId).filter((b) =>
          ["accepted", "pending", "awaiting_host"].includes(String(b.status)) &&
          Date.parse(String(b.start)) >= now
        );
        await page.getByRole("button", { name: "Upcoming" }).click();
        const items = page.getByRole("list", { name: "Upcoming bookings" }).getByRole("listitem");
        assert.ok(upcoming.length > 10, `the seed has only ${upcoming.length} upcoming bookings`);
        await page.waitForFunction(() => document.querySelectorAll(".calcom-booking").length === 10);
        await page.getByRole("button", { name: "Load more" }).click();
        const expected = Math.min(20, upcoming.length);
        await page.waitForFunction(
          (n) => document.querySelectorAll(".calcom-booking").length === n,
          expected,
        );
        assert.equal(await items.count(), expected);
        const first = items.first();
        assert.match(await first.innerText(), /\d{1,2}:\d{2}\s[AP]M · \d+ (min|h)/);
      });

      await t.step("disconnect asks first, says what is deleted, then removes the account", async () => {
        const card = page.getByRole("article", { name: "Work calendar" });
        await card.getByRole("button", { name: "Disconnect" }).click();
        const dialog = page.getByRole("dialog", { name: "Disconnect Work calendar?" });
        await dialog.waitFor();
        await dialog.getByText(/deletes the .*stored bookings of this account/).waitFor();
        await dialog.getByRole("button", { name: "Cancel" }).click();
        await dialog.waitFor({ state: "hidden" });
        await card.getByRole("button", { name: "Disconnect" }).click();
        await dialog.getByRole("button", { name: "Disconnect" }).click();
        await page.getByText("No Cal.com account is connected yet.").waitFor();
        await page.getByRole("heading", { name: "Recent Bookings" }).waitFor({ state: "detached" });
      });
    } finally {
      await ui.close();
    }
  },
});
