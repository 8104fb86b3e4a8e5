/// <reference lib="dom" />
/**
 * "Continue with Cal.com" on the dev server's settings page in Chromium: the round trip through the
 * sandbox's consent page (allow, deny), the OAuth connection's card and sync, "Reconnect Cal.com" after
 * Cal.com refused a refresh, and no button where OAuth is not configured.
 *
 * @module
 */
import assert from "node:assert/strict";
import { assertAccessible, startSettingsBrowser } from "./settings_browser.ts";

Deno.test({
  name: "Continue with Cal.com in Chromium",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const ui = await startSettingsBrowser();
    const { page, server } = ui;
    const sandbox = server.sandbox!;
    const host = server.calcom.sandbox!;
    const oauthButton = page.getByRole("button", { name: "Continue with Cal.com" });
    const card = page.getByRole("article", { name: "Cal.com dev-host" });

    /** On the sandbox's consent page: signs in as the dev host and answers. */
    async function consent(decision: "Allow" | "Go back") {
      await page.getByRole("heading", { name: /wants to access your Cal\.com account/ }).waitFor();
      assert.equal(new URL(page.url()).origin, new URL(sandbox.url).origin);
      await page.getByLabel("Signed in as").fill(host.username);
      await page.getByRole("button", { name: decision }).click();
      await page.getByRole("heading", { name: "Cal.com", exact: true }).waitFor();
    }

    try {
      await t.step("the button stands beside the API-key form, without axe violations", async () => {
        await ui.open();
        await oauthButton.waitFor();
        await page.getByText("Or connect with an API key").waitFor();
        assert.equal(await page.getByLabel("API key", { exact: true }).count(), 1);
        await assertAccessible(page);
      });

      await t.step("saying no on Cal.com's page comes back with the reason in words", async () => {
        await oauthButton.click();
        await consent("Go back");
        await page.getByRole("alert").filter({ hasText: "You did not allow access in Cal.com" }).waitFor();
        assert.equal(page.url(), `${server.supabaseUrl}/?poll=300`);
        assert.equal(await card.count(), 0);
      });

      await t.step(
        "allowing comes back connected: the card says OAuth and the address is clean",
        async () => {
          await oauthButton.click();
          await consent("Allow");
          await page.getByRole("status").filter({ hasText: "Connected your Cal.com account" }).waitFor();
          await card.waitFor();
          await card.getByText("Connected with Cal.com (OAuth)").waitFor();
          await card.getByText("Connected", { exact: true }).waitFor();
          assert.equal(await card.getByText("••••").count(), 0);
          assert.equal(page.url(), `${server.supabaseUrl}/?poll=300`);
          assert.equal(await page.getByRole("alert").count(), 0);
          // the dev server registers the webhook, as after an API-key connect
          assert.equal(sandbox.webhooks(host.userId).length, 1);
        },
      );

      await t.step("a sync runs on the OAuth grant", async () => {
        await card.getByRole("button", { name: "Sync Bookings Now" }).click();
        await page.getByText(/^Sync complete: \d+ new/).waitFor();
        const [{ n }] = await ui.db.sql`select count(*)::int as n from public.calcom_bookings`;
        assert.equal(n, sandbox.bookings(host.userId).length);
      });

      await t.step(
        "a refresh Cal.com refuses pauses the card with Reconnect Cal.com, which repairs it",
        async () => {
          sandbox.oauth.revokeRefreshTokens(host.oauth!.clientId, host.userId);
          await ui.db.sql`
          update public.calcom_connections set oauth_access_token_expires_at = now() - interval '1 minute'`;
          await card.getByRole("button", { name: "Sync Bookings Now" }).click();
          await card.getByRole("alert").filter({ hasText: "Click Reconnect Cal.com to allow it again" })
            .waitFor();
          await card.getByText("Needs attention", { exact: true }).waitFor();
          const reconnect = card.getByRole("button", { name: "Reconnect Cal.com" });
          await reconnect.waitFor();
          assert.equal(await card.getByRole("button", { name: "Resume" }).count(), 0);
          await assertAccessible(page);
          await reconnect.click();
          await consent("Allow");
          await page.getByRole("status").filter({ hasText: "Connected your Cal.com account" }).waitFor();
          await card.getByRole("button", { name: "Pause" }).waitFor();
          assert.equal(await card.getByRole("button", { name: "Reconnect Cal.com" }).count(), 0);
          await card.getByRole("button", { name: "Sync Bookings Now" }).click();
          await page.getByText(/^Sync complete: \d+ new/).waitFor();
          await card.getByText("Connected", { exact: true }).waitFor();
          const [row] = await ui.db.sql`select is_active, last_sync_error from public.calcom_connections`;
          assert.deepEqual({ ...row }, { is_active: true, last_sync_error: null });
        },
      );
    } finally {
      await ui.close();
    }
  },
});

Deno.test({
  name: "without an OAuth client the page offers only the API-key form",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const ui = await startSettingsBrowser({ args: ["--no-oauth"] });
    try {
      await ui.open();
      await ui.page.getByLabel("API key", { exact: true }).waitFor();
      assert.equal(await ui.page.getByRole("button", { name: "Continue with Cal.com" }).count(), 0);
      assert.equal(await ui.page.getByText("Or connect with an API key").count(), 0);
      assert.equal(ui.server.calcom.sandbox!.oauth, undefined);
    } finally {
      await ui.close();
    }
  },
});
