// calcom-bookings-sync: the app in app.ts, its dependencies built from the function's secrets.
import { serveFunction } from "../_shared/platform/serve.ts";
import { createApp } from "./app.ts";
import { parseSyncWorkers } from "./sync_dispatcher.ts";

// CALCOM_CRON_SECRET and CALCOM_SYNC_WORKERS are read here, not in _shared/config.ts, because only this
// function uses them.
serveFunction(
  "calcom-bookings-sync",
  (deps) =>
    createApp(deps, {
      cronSecret: Deno.env.get("CALCOM_CRON_SECRET"),
      workers: parseSyncWorkers(Deno.env.get("CALCOM_SYNC_WORKERS")),
    }),
);
