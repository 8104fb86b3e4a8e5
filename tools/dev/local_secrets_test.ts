import assert from "node:assert/strict";
import { decodeBase64 } from "../../supabase/functions/_shared/platform/config.ts";
import { loadOrCreateLocalSecrets } from "./local_secrets.ts";

Deno.test("the dev encryption key is generated once, owner-readable only, and read back on the next start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dev_secrets_test_" });
  try {
    const first = await loadOrCreateLocalSecrets(`${dir}/state`);
    assert.equal(first.created, true);
    assert.equal(decodeBase64(first.encryptionKey)?.length, 32);
    assert.equal((await Deno.stat(first.path)).mode! & 0o777, 0o600);
    const second = await loadOrCreateLocalSecrets(`${dir}/state`);
    assert.deepEqual(second, { ...first, created: false });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a secrets file that is not dev secrets is refused and left untouched", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dev_secrets_test_" });
  try {
    await Deno.writeTextFile(`${dir}/dev_secrets.json`, "not json");
    await assert.rejects(
      () => loadOrCreateLocalSecrets(dir),
      /dev_secrets.json: not dev secrets; fix or delete it/,
    );
    assert.equal(await Deno.readTextFile(`${dir}/dev_secrets.json`), "not json");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
