/// <reference lib="dom" />
/**
 * The connect form with a self-hosted Cal.com server allowed, on the dev server's settings page in
 * Chromium: a "Cal.com server" choice appears, and connecting on the second server makes the connection
 * there.
 *
 * @module
 */
import assert from "node:assert/strict";
import { startSandbox } from "../../calcom_sandbox/mod.ts";
import { assertAccessible, screenshot, startSettingsBrowser } from "./settings_browser.ts";

Deno.test({
  name: "the Cal.com server choice in Chromium",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using selfHosted = await startSandbox({ subscriberUrlRules: "self-hosted" });
    const cal = selfHosted.addUser({ username: "self-hosted-host" });
    const ui = await startSettingsBrowser({
      env: { CALCOM_API_ORIGINS: selfHosted.url, CALCOM_API_ORIGINS_ALLOW_HTTP: "true" },
    });
    const { page } = ui;
    try {
      await ui.open();
      const server = page.getByLabel("Cal.com server");
      await server.waitFor();
      assert.deepEqual(await server.locator("option").allTextContents(), [
        `${ui.server.calcom.apiUrl} (default)`,
        selfHosted.url,
      ]);
      await server.selectOption(selfHosted.url);
      await assertAccessible(page);
      await screenshot(page, "server-choice");
      await page.getByLabel("API key", { exact: true }).fill(cal.apiKey);
      await page.getByRole("button", { name: "Connect Cal.com" }).click();
      await page.getByRole("article", { name: "Cal.com self-hosted-host" }).waitFor();
      assert.ok(selfHosted.requests.some((r) => r.path === "/v2/me"));
      assert.ok(!ui.server.sandbox!.requests.some((r) => r.path === "/v2/me"));
    } finally {
      await ui.close();
    }
  },
});
