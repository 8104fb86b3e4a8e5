/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * What the browser tests of the settings page share: the dev server in this process (on a fresh
 * Postgres database, free ports, the sandbox), Debian's Chromium driven by playwright-core, an axe-core
 * check, and screenshots written to docs/screenshots only when UPDATE_SCREENSHOTS=1.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { parseDevOptions } from "../../dev/dev_options.ts";
import { type DevServer, startDevServer } from "../../dev/dev_server.ts";
import { createTestDatabase, type TestDatabase } from "../../db/test_database.ts";

/** Debian's Chromium (`apt-get install chromium`); tools/prerequisites.ts checks it is there. */
export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

const root = new URL("../../../", import.meta.url);

/** A dev server and a browser on its settings page. */
export interface SettingsBrowser {
  server: DevServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** The dev host's sandbox API key. */
  apiKey: string;
  /** The dev server's database (a superuser pool), to check what the page's actions stored. */
  db: TestDatabase;
  /** Opens the settings page (polling every `pollMs`, `pageSize` bookings a page when given). */
  open(options?: { pollMs?: number; pageSize?: number }): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the dev server (sync deadline 1 s, so a sync of several Cal.com pages goes `partial`; `args`
 * are extra dev server flags, e.g. `--no-oauth`) and Chromium.
 */
export async function startSettingsBrowser(
  options: { args?: string[]; env?: Record<string, string> } = {},
): Promise<SettingsBrowser> {
  const db: TestDatabase = await createTestDatabase({ schema: false });
  const dataDir = await Deno.makeTempDir({ prefix: "calcom-ui-test-" });
  let server: DevServer | undefined;
  let browser: Browser | undefined;
  try {
    const devOptions = parseDevOptions(
      [
        "--port",
        "0",
        "--db-port",
        "0",
        "--sandbox-port",
        "0",
        "--data-dir",
        dataDir,
        ...(options.args ?? []),
      ],
      { DATABASE_URL: db.url, CALCOM_SYNC_DEADLINE_SECONDS: "1", ...options.env },
    );
    server = await startDevServer(devOptions, () => {});
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
    const context = await browser.newContext({
      locale: "en-US",
      timezoneId: "Europe/Berlin",
      viewport: { width: 1000, height: 900 },
      colorScheme: "light",
    });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.supabaseUrl });
    const page = await context.newPage();
    const s = server;
    const b = browser;
    return {
      server: s,
      browser: b,
      context,
      page,
      apiKey: s.calcom.sandbox!.apiKey,
      db,
      async open({ pollMs = 300, pageSize } = {}) {
        await page.goto(`${s.supabaseUrl}/?poll=${pollMs}${pageSize ? `&pageSize=${pageSize}` : ""}`);
        await page.getByRole("heading", { name: "Cal.com", exact: true }).waitFor();
      },
      async close() {
        await b.close();
        await s.close();
        await db.drop();
        await Deno.remove(dataDir, { recursive: true });
      },
    };
  } catch (err) {
    await browser?.close();
    await server?.close();
    await db.drop();
    throw err;
  }
}

/** Runs axe-core on the page and fails on serious or critical violations. */
export async function assertAccessible(page: Page): Promise<void> {
  const source = await Deno.readTextFile(new URL("node_modules/axe-core/axe.min.js", root));
  await page.addScriptTag({ content: source });
  const violations = await page.evaluate(async () => {
    // deno-lint-ignore no-explicit-any
    const axe = (globalThis as any).axe;
    const result = await axe.run(document, { resultTypes: ["violations"] });
    // deno-lint-ignore no-explicit-any
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      // deno-lint-ignore no-explicit-any
      targets: v.nodes.map((n: any) => n.target.join(" ")),
    }));
  });
  const bad = violations.filter((v: { impact: string }) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `axe violations: ${JSON.stringify(bad, null, 2)}`);
}

/**
 * Takes a screenshot of the page (or of `part` of it, e.g. an open dialog); writes it to
 * docs/screenshots/<name>.png when UPDATE_SCREENSHOTS=1.
 */
export async function screenshot(page: Page, name: string, part?: Locator): Promise<void> {
  const options = { animations: "disabled", caret: "hide" } as const;
  const png = part ? await part.screenshot(options) : await page.screenshot({ ...options, fullPage: true });
  assert.ok(png.length > 1000, "empty screenshot");
  if (Deno.env.get("UPDATE_SCREENSHOTS") === "1") {
    const dir = new URL("docs/screenshots/", root);
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeFile(new URL(`${name}.png`, dir), png);
  }
}
