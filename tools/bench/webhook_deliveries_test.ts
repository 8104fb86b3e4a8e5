import assert from "node:assert/strict";
import { verifyCalSignature } from "../../supabase/functions/calcom-webhook/cal_signature.ts";
import { buildDeliveries, countKinds, MIXED, writeDeliveries } from "./webhook_deliveries.ts";

const SECRET = "whsec_bench";
const PATH = "/calcom-webhook/00000000-0000-4000-8000-000000000001";

Deno.test("plain deliveries are correctly signed BOOKING_CREATED bodies, each for a new booking", () => {
  const deliveries = buildDeliveries({ count: 50, secret: SECRET, path: PATH });
  assert.deepEqual(countKinds(deliveries), { new: 50, duplicate: 0, out_of_order: 0, bad_signature: 0 });
  assert.equal(new Set(deliveries.map((d) => d.uid)).size, 50);
  assert.equal(new Set(deliveries.map((d) => d.body)).size, 50);
  for (const d of deliveries) {
    assert.deepEqual(verifyCalSignature(SECRET, d.body, d.signature), { ok: true });
    const body = JSON.parse(d.body);
    assert.equal(body.triggerEvent, "BOOKING_CREATED");
    assert.equal(body.payload.uid, d.uid);
    assert.equal(d.path, PATH);
  }
});

Deno.test("a mixed set holds duplicates, older states and forged signatures in about the asked shares", () => {
  const deliveries = buildDeliveries({ count: 4000, secret: SECRET, path: PATH, mix: MIXED, seed: 3 });
  const counts = countKinds(deliveries);
  assert.ok(Math.abs(counts.duplicate / 4000 - 0.1) < 0.02, `duplicates ${counts.duplicate}`);
  assert.ok(Math.abs(counts.out_of_order / 4000 - 0.1) < 0.02, `out of order ${counts.out_of_order}`);
  assert.ok(Math.abs(counts.bad_signature / 4000 - 0.05) < 0.015, `bad signatures ${counts.bad_signature}`);
  const index = new Map(deliveries.map((d, n) => [d, n]));
  const firstNew = new Map<string, number>();
  deliveries.forEach((d, n) => d.kind === "new" && firstNew.set(d.uid, n));
  for (const [d, n] of index) {
    const check = verifyCalSignature(SECRET, d.body, d.signature);
    if (d.kind === "bad_signature") {
      assert.deepEqual(check, { ok: false, reason: "signature_mismatch" });
      continue;
    }
    assert.deepEqual(check, { ok: true });
    if (d.kind === "new") continue;
    const original = deliveries[firstNew.get(d.uid)!];
    assert.ok(n - firstNew.get(d.uid)! >= 32, "the original is sent well before");
    if (d.kind === "duplicate") assert.equal(d.body, original.body);
    else {assert.ok(
        Date.parse(JSON.parse(d.body).createdAt) < Date.parse(JSON.parse(original.body).createdAt),
      );}
  }
});

Deno.test("the same seed builds the same set", () => {
  const a = buildDeliveries({ count: 300, secret: SECRET, path: PATH, mix: MIXED, seed: 9 });
  const b = buildDeliveries({ count: 300, secret: SECRET, path: PATH, mix: MIXED, seed: 9 });
  assert.deepEqual(a, b);
});

Deno.test("deliveries are written one per line as path, signature and body", async () => {
  const deliveries = buildDeliveries({ count: 3, secret: SECRET, path: PATH });
  const file = await Deno.makeTempFile({ suffix: ".tsv" });
  try {
    await writeDeliveries(file, deliveries);
    const lines = (await Deno.readTextFile(file)).trimEnd().split("\n");
    assert.equal(lines.length, 3);
    assert.deepEqual(lines[1].split("\t"), [PATH, deliveries[1].signature, deliveries[1].body]);
  } finally {
    await Deno.remove(file);
  }
});
