/**
 * Where the webhook function's CPU goes under the benchmark's load: serves `calcom-webhook` in its own
 * process with the V8 inspector on, loads it with wrk (plain unique deliveries, 16 connections), records a
 * CPU profile through the inspector protocol while the load runs, and prints the functions and the files
 * with the most self time. Optionally writes the `.cpuprofile` (Chrome DevTools opens it).
 *
 * Run: `DENO_NO_PACKAGE_JSON=1 deno run -A tools/bench/profile_webhook.ts [--seconds 8] [--mixed]
 * [--limit] [--out FILE]` (`--mixed`: the benchmark's mix of duplicates, older states and forged signatures;
 * `--limit`: profile the limit server instead, to compare).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { createTestDatabase } from "../db/test_database.ts";
import { writeProfileDeliveries } from "./webhook_deliveries.ts";
import { startWebhookServer, webhookTarget } from "./webhook_server.ts";
import { runWrk } from "./wrk.ts";
import { summarizeProfile } from "./cpu_profile.ts";
import { inspectorSession } from "./inspector_session.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    seconds: { type: "string" },
    out: { type: "string" },
    port: { type: "string" },
    mixed: { type: "boolean" },
    limit: { type: "boolean" },
  },
});
const seconds = Number(args.seconds ?? 8);
const inspectPort = Number(args.port ?? 9239);

const target = webhookTarget();
const files = await writeProfileDeliveries({
  prefix: "profile_webhook_",
  target,
  warmup: 3000,
  load: seconds * 1000,
  mixed: Boolean(args.mixed),
});

await using db = await createTestDatabase();
// --limit: the limit server under the same load, to compare where the time goes
await using server = await startWebhookServer(args.limit ? "limit" : "function", db, target, {
  label: args.limit ? "webhook-limit-profile" : "webhook-profile",
  denoFlags: [`--inspect=127.0.0.1:${inspectPort}`],
});
const load = { baseUrl: server.url, connections: 16 };
await runWrk({ ...load, payloadFile: files.warmup, seconds: 3 });

await using inspector = await inspectorSession(inspectPort);
await inspector.send("Profiler.enable");
await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
await inspector.send("Profiler.start");
const result = await runWrk({ ...load, payloadFile: files.load, seconds });
const { profile } = await inspector.send("Profiler.stop") as { profile: unknown };

console.log(`${result.requestsPerSecond.toFixed(0)} req/s under the profiler (slower than without it)\n`);
console.log(summarizeProfile(profile as Parameters<typeof summarizeProfile>[0], { top: 40 }));
if (args.out) {
  await Deno.writeTextFile(args.out, JSON.stringify(profile));
  console.log(`\nProfile written to ${args.out}`);
}
await Deno.remove(files.dir, { recursive: true });
