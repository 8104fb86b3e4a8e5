/**
 * `npm run dev` (`deno task dev`): starts the dev server (see `dev_server.ts`), prints what a newcomer
 * needs, logs one line per request, and stops cleanly on Ctrl-C or SIGTERM (exit code 0).
 *
 * @module
 */
import { parseDevOptions, USAGE } from "./dev_options.ts";
import { startDevServer } from "./dev_server.ts";
import { renderBanner } from "./walkthrough.ts";

/** How long a clean stop may take before the process gives up on it (a request still running). */
const STOP_TIMEOUT_MS = 10_000;

function time(): string {
  return new Date().toISOString().slice(11, 19);
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseDevOptions(Deno.args, Deno.env.toObject());
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }

  const started = performance.now();
  console.log("Starting the dev server…");
  let server;
  try {
    server = await startDevServer(options, (line) => console.log(`${time()} ${line}`));
  } catch (err) {
    console.error(`Cannot start the dev server: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }

  const example = server.sandbox && server.calcom.sandbox
    ? server.sandbox.bookings(server.calcom.sandbox.userId).find((b) =>
      b.status === "accepted" && Date.parse(String(b.start)) > Date.now()
    )
    : undefined;
  console.log(renderBanner({
    info: server,
    options,
    exampleBookingUid: example ? String(example.uid) : undefined,
    startupSeconds: (performance.now() - started) / 1000,
  }));

  // The listeners stay for the whole shutdown: under `npm run dev` one Ctrl-C arrives several times (from
  // the terminal and forwarded by npm and deno task), and a signal without a listener would kill the
  // process midway. The timeout below bounds the shutdown instead.
  const { promise: stopSignal, resolve } = Promise.withResolvers<string>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => resolve(signal));
  const signal = await stopSignal;

  console.log(`${time()} ${signal}: stopping`);
  const timeout = new Promise<"timeout">((r) => {
    const id = setTimeout(() => r("timeout"), STOP_TIMEOUT_MS);
    Deno.unrefTimer(id);
  });
  try {
    const outcome = await Promise.race([server.close().then(() => "stopped" as const), timeout]);
    if (outcome === "timeout") {
      console.error(`Stopping took longer than ${STOP_TIMEOUT_MS / 1000} s; exiting anyway`);
      return 1;
    }
  } catch (err) {
    console.error(`Stopping failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  console.log(`${time()} stopped`);
  return 0;
}

Deno.exit(await main());
