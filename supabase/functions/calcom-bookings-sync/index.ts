// calcom-bookings-sync: the app in app.ts, its dependencies built from the function's secrets.
import { serveFunction } from "../_shared/platform/serve.ts";
import { createApp } from "./app.ts";

// CALCOM_CRON_SECRET and CALCOM_SYNC_WORKERS are read here, not in _shared/config.ts, because only this
// function uses them.
serveFunction("calcom-bookings-sync", async (deps) => {
  const workers = Deno.env.get("CALCOM_SYNC_WORKERS");
  return createApp(deps, {
    cronSecret: Deno.env.get("CALCOM_CRON_SECRET"),
    // Unset or blank it means the default, which the app applies; only a value that is set is parsed,
    // and so still refused before the first answer when malformed. Otherwise the dispatcher's module
    // (with the sync engine it imports) loads with the first scheduled call, not at start.
    workers: workers?.trim() ? (await import("./sync_dispatcher.ts")).parseSyncWorkers(workers) : undefined,
  });
});
