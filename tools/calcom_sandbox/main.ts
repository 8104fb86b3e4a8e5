/**
 * `deno task sandbox`: runs the Cal.com sandbox alone on CALCOM_SANDBOX_PORT (default 54329) with a
 * demo user and seeded bookings, and prints the base URL and the demo API key (a local test key).
 *
 * @module
 */

import { startSandbox } from "./mod.ts";

const port = Number(Deno.env.get("CALCOM_SANDBOX_PORT") ?? 54329);
const count = Number(Deno.env.get("CALCOM_SANDBOX_BOOKINGS") ?? 250);
const sandbox = await startSandbox({ port });
const { user, apiKey } = sandbox.addUser({ username: "demo", email: "demo@example.com", name: "Demo Host" });
sandbox.seedBookings(user.id, count, { seed: 1 });

console.log(`Cal.com sandbox listening on ${sandbox.url} (API under ${sandbox.url}/v2)`);
console.log(`Demo user ${user.username} (id ${user.id}) with ${count} bookings`);
console.log(`CALCOM_API_URL=${sandbox.url}`);
console.log(`Demo API key (local sandbox only): ${apiKey}`);

Deno.addSignalListener("SIGINT", async () => {
  await sandbox.close();
  Deno.exit(0);
});
