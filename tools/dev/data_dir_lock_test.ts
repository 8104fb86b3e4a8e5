import assert from "node:assert/strict";
import { lockDataDir } from "./data_dir_lock.ts";

Deno.test("a data folder locked by a running process is refused, and free again once released", async () => {
  const dir = await Deno.makeTempDir({ prefix: "data_dir_lock_test_" });
  const child = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    await Deno.writeTextFile(`${dir}/dev_server.lock`, `${child.pid}\n`);
    await assert.rejects(
      () => lockDataDir(dir),
      new RegExp(`Another dev server \\(pid ${child.pid}\\) uses`),
    );
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
  // The holder is gone: the stale lock is taken over.
  const lock = await lockDataDir(dir);
  assert.equal((await Deno.readTextFile(lock.path)).trim(), String(Deno.pid));
  await lock.release();
  const again = await lockDataDir(dir);
  await again.release();
  await Deno.remove(dir, { recursive: true });
});
