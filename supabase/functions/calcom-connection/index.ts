// Serves the app; deps are built on the first request, so a bad configuration answers a JSON 500 naming
// the variable instead of crashing the isolate.
import { serveFunction } from "../_shared/platform/serve.ts";
import { createApp } from "./app.ts";

serveFunction("calcom-connection", createApp);
