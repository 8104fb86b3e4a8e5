import { serveFunction } from "../_shared/serve.ts";
import { createApp } from "./app.ts";

serveFunction("calcom-webhook", createApp);
