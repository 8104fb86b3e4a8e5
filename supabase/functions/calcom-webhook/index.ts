import { serveFunction } from "../_shared/platform/serve.ts";
import { createApp } from "./app.ts";

serveFunction("calcom-webhook", createApp);
