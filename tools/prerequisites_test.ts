import assert from "node:assert/strict";
import { adminUrl } from "./db/test_database.ts";
import { findMissing } from "./prerequisites.ts";

const everything = { postgres: true, pgtap: true, faketime: true, chromium: true };

Deno.test("a server that does not answer is named with the URL, never its password", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const missing = await findMissing({
    databaseUrl: `postgresql://postgres:hunter2@127.0.0.1:${port}/postgres`,
    path: Deno.env.get("PATH") ?? "",
    needs: { postgres: true },
  });
  assert.equal(missing.length, 1);
  assert.match(
    missing[0].what,
    new RegExp(
      `^a PostgreSQL 15\\+ server at DATABASE_URL \\(postgresql://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${port}/postgres\\)`,
    ),
  );
  assert.doesNotMatch(missing[0].what, /hunter2/);
});

Deno.test("commands missing from PATH are named with the command that installs them", async () => {
  const empty = await Deno.makeTempDir();
  try {
    const missing = await findMissing({
      databaseUrl: adminUrl,
      path: empty,
      needs: { pgtap: true, faketime: true },
    });
    assert.deepEqual(missing.map((m) => m.what).filter((w) => !w.startsWith("the pgTAP")), [
      "pg_prove",
      "faketime",
    ]);
    assert.ok(missing.every((m) => m.fix.startsWith("apt-get install ")));
  } finally {
    await Deno.remove(empty);
  }
});

Deno.test("a machine with everything installed misses nothing", async () => {
  assert.deepEqual(
    await findMissing({ databaseUrl: adminUrl, path: Deno.env.get("PATH") ?? "", needs: everything }),
    [],
  );
});

Deno.test("only what the selected steps need is checked", async () => {
  assert.deepEqual(await findMissing({ databaseUrl: adminUrl, path: "", needs: { postgres: true } }), []);
});

Deno.test("a missing Chromium is named with the command that installs it", async () => {
  const missing = await findMissing({
    databaseUrl: adminUrl,
    path: "",
    chromiumPath: "/nonexistent/chromium",
    needs: { chromium: true },
  });
  assert.deepEqual(missing, [{
    what: "Chromium at /nonexistent/chromium (the UI tests' browser)",
    fix: "apt-get install chromium",
  }]);
});
