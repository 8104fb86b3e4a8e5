/**
 * calcom-connection under concurrent reconnects of one account: whichever request wins, the secret
 * stored and the one Cal.com signs with agree, and exactly the stored webhook exists at Cal.com.
 */
import assert from "node:assert/strict";
import { connectionSecret } from "../../../supabase/functions/_shared/platform/connection_secret.ts";
import { invokeFunction } from "../../testing/invoke_function.ts";
import { startTestStack } from "../../testing/test_stack.ts";

const FN = "calcom-connection";
const PUBLIC_URL = "https://proj.example.com/functions/v1";
const ROUNDS = 12;

Deno.test("two concurrent reconnects with different webhook secrets leave Cal.com and the database agreeing", async () => {
  await using stack = await startTestStack({
    apps: { connection: true },
    env: { PUBLIC_FUNCTIONS_URL: PUBLIC_URL },
    // 24 reconnects of five Cal.com calls each are more than one key may make a minute (120)
    sandbox: { rateLimit: { limit: 1000 } },
  });
  const { sandbox } = stack;
  // Slow webhook calls widen the window in which the two requests' Cal.com calls interleave
  sandbox.setFaults({ latencyMs: 15, path: "/v2/webhooks" });
  const user = await stack.signUp();
  const cal = sandbox.addUser();
  const first = await invokeFunction(user.client, FN, { method: "POST", body: { apiKey: cal.apiKey } });
  assert.equal(first.status, 201);
  const id = first.body.connection.id;

  for (let round = 0; round < ROUNDS; round++) {
    const secrets = [`round-${round}-secret-a-0123456789`, `round-${round}-secret-b-0123456789`];
    const answers = await Promise.all(
      secrets.map((webhookSecret) =>
        invokeFunction(user.client, FN, { method: "POST", body: { apiKey: cal.apiKey, webhookSecret } })
      ),
    );
    assert.deepEqual(answers.map((a) => a.status), [200, 200], `round ${round}`);

    const [row] = await stack.deps.db.sql`
      select webhook_secret_encrypted, calcom_webhook_id from public.calcom_connections where id = ${id}`;
    const stored = await stack.deps.secrets.decrypt(
      row.webhook_secret_encrypted,
      connectionSecret("webhook_secret_encrypted", { id, userId: user.id }),
    );
    assert.ok(secrets.includes(stored), `round ${round}: stored secret is one of the two`);
    const hooks = sandbox.webhooks(cal.user.id);
    assert.equal(hooks.length, 1, `round ${round}: exactly one webhook, none orphaned`);
    assert.equal(hooks[0].id, row.calcom_webhook_id, `round ${round}: the stored webhook id is Cal.com's`);
    assert.equal(hooks[0].secret, stored, `round ${round}: Cal.com signs with the stored secret`);
  }
  sandbox.setFaults({});
});
