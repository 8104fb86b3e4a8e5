/**
 * The dev server's settings page: `/` answers browsers (Accept: text/html) with the page and everyone
 * else with the JSON index as before; `/_dev/ui/settings.js` and `.css` serve the bundle, built on the
 * first request and kept in memory.
 *
 * @module
 */
import { Hono } from "hono";
import { buildSettingsPage, type SettingsPageBundle } from "./build_settings_page.ts";
import { SETTINGS_PAGE_HTML } from "./page_html.ts";

/** Adds the page's routes; `index` is the JSON `/` answers non-browsers with. */
export function settingsPageRoutes(index: () => unknown, log: (line: string) => void): Hono {
  const routes = new Hono();
  let bundle: Promise<SettingsPageBundle> | undefined;
  const built = () => {
    bundle ??= buildSettingsPage().catch((err) => {
      bundle = undefined;
      log(`Cannot build the settings page: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    });
    return bundle;
  };

  routes.get("/", (c) => {
    if (!(c.req.header("accept") ?? "").includes("text/html")) return c.json(index());
    built().catch(() => {}); // start building while the browser parses the HTML
    return c.html(SETTINGS_PAGE_HTML);
  });
  routes.get("/_dev/ui/settings.js", async (c) => {
    const { js } = await built();
    return c.body(js as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "no-store",
    });
  });
  routes.get("/_dev/ui/settings.css", async (c) => {
    const { css } = await built();
    return c.body(css as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "text/css; charset=utf-8",
      "cache-control": "no-store",
    });
  });
  return routes;
}
