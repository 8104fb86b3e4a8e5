import assert from "node:assert/strict";
import { cloudSubscriberUrlProblem, isCalcomCloud, isLocalUrl, webhookUrlFor } from "./webhook_url.ts";

Deno.test("the webhook URL carries the connection id under calcom-webhook", () => {
  const id = "5b0d6c1e-8f1a-4a43-9d0e-1c2b3a4d5e6f";
  assert.equal(
    webhookUrlFor("https://proj.supabase.co/functions/v1", id),
    `https://proj.supabase.co/functions/v1/calcom-webhook/${id}`,
  );
  assert.equal(
    webhookUrlFor("https://x.test/functions/v1/", id),
    `https://x.test/functions/v1/calcom-webhook/${id}`,
  );
});

Deno.test("local and private addresses are recognised as unreachable for Cal.com", () => {
  for (
    const url of [
      "http://localhost:54321/functions/v1",
      "http://LOCALHOST/functions/v1",
      "http://api.localhost/x",
      "http://127.0.0.1:54321/functions/v1",
      "http://127.8.9.10/x",
      "http://0.0.0.0/x",
      "http://10.1.2.3/x",
      "http://172.16.0.1/x",
      "http://172.31.255.255/x",
      "http://192.168.1.20/x",
      "http://169.254.169.254/x",
      "http://100.64.0.1/x",
      "http://[::1]:54321/x",
      "http://[::]/x",
      "http://[fd12:3456::1]/x",
      "http://[fe80::1]/x",
      "http://[::ffff:127.0.0.1]/x",
      "http://[::ffff:10.0.0.1]/x",
      "http://my-mac.local/x",
      "http://kong.internal/x",
      "http://host.docker.internal/x",
      "http://kong:8000/x",
      "not a url",
    ]
  ) {
    assert.equal(isLocalUrl(url), true, url);
  }
});

Deno.test("public hosts and addresses are reachable", () => {
  for (
    const url of [
      "https://proj.supabase.co/functions/v1",
      "https://hooks.example.com/functions/v1",
      "http://172.32.0.1/x",
      "http://8.8.8.8/x",
      "http://[2001:db8::1]/x",
      "https://localhost.example.com/x",
    ]
  ) {
    assert.equal(isLocalUrl(url), false, url);
  }
});

Deno.test("only api.cal.com counts as Cal.com's cloud", () => {
  assert.equal(isCalcomCloud("https://api.cal.com"), true);
  assert.equal(isCalcomCloud("https://API.cal.com./"), true);
  assert.equal(isCalcomCloud("https://cal.example.org"), false);
  assert.equal(isCalcomCloud("http://127.0.0.1:54329"), false);
});

Deno.test("the cloud's subscriber URL rules: HTTPS only, no localhost or private addresses", () => {
  assert.equal(cloudSubscriberUrlProblem("https://proj.supabase.co/functions/v1/calcom-webhook/x"), null);
  assert.equal(
    cloudSubscriberUrlProblem("http://proj.example.com/functions/v1/calcom-webhook/x"),
    "Cal.com's cloud accepts only HTTPS webhook URLs",
  );
  for (const url of ["https://localhost/x", "https://10.1.2.3/x", "https://[::1]/x"]) {
    assert.equal(
      cloudSubscriberUrlProblem(url),
      "Cal.com's cloud refuses webhook URLs on localhost and private addresses",
      url,
    );
  }
});
