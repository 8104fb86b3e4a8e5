// calcom-bookings-sync: the app in app.ts, its dependencies built from the function's secrets.
import { serveFunction } from "../_shared/platform/serve.ts";
import { createApp } from "./app.ts";

// CALCOM_CRON_SECRET is read here, not in _shared/config.ts, because only this function uses it.
serveFunction(
  "calcom-bookings-sync",
  (deps) => createApp(deps, { cronSecret: Deno.env.get("CALCOM_CRON_SECRET") }),
);
