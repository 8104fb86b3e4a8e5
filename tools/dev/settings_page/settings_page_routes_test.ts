import assert from "node:assert/strict";
import { settingsPageRoutes } from "./settings_page_routes.ts";

const index = { name: "calcom-supabase dev server" };

Deno.test("scripts still get the JSON index at /", async () => {
  const routes = settingsPageRoutes(() => index, () => {});
  const res = await routes.request("/", { headers: { accept: "application/json" } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), index);
});

Deno.test("a browser gets the settings page at /, and its bundle is built once into memory", async () => {
  const routes = settingsPageRoutes(() => index, () => {});
  const page = await routes.request("/", { headers: { accept: "text/html,application/xhtml+xml" } });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<div id="root">/);
  assert.match(html, /src="\/_dev\/ui\/settings\.js"/);

  const js = await routes.request("/_dev/ui/settings.js");
  assert.equal(js.status, 200);
  assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
  const script = await js.text();
  assert.ok(script.includes("calcom:user:"), "the component is not in the bundle");
  assert.ok(!script.includes("calcom_supabase_client.ts"), "the bundle keeps source paths");

  const css = await routes.request("/_dev/ui/settings.css");
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  assert.match(await css.text(), /\.calcom-settings\{/);
});
