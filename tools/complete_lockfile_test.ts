import assert from "node:assert/strict";
import { completeLock, platformOf } from "./complete_lockfile.ts";

Deno.test("platform packages are read as npm's os, cpu and libc", () => {
  assert.deepEqual(platformOf("@deno/linux-arm64-glibc"), { os: "linux", cpu: "arm64", libc: "glibc" });
  assert.deepEqual(platformOf("@supabase/cli-windows-x64"), { os: "win32", cpu: "x64" });
  assert.deepEqual(platformOf("@deno/darwin-arm64"), { os: "darwin", cpu: "arm64" });
});

Deno.test("missing optional platform packages are added and present ones kept", () => {
  const out = completeLock({
    "": { version: "0.1.0" },
    "node_modules/deno": {
      version: "2.9.6",
      optionalDependencies: { "@deno/linux-x64-glibc": "2.9.6", "@deno/win32-x64": "2.9.6" },
    },
    "node_modules/@deno/linux-x64-glibc": { version: "2.9.6", integrity: "sha512-x" },
  });
  assert.deepEqual(Object.keys(out), [
    "",
    "node_modules/@deno/linux-x64-glibc",
    "node_modules/@deno/win32-x64",
    "node_modules/deno",
  ]);
  assert.equal(out["node_modules/@deno/linux-x64-glibc"].integrity, "sha512-x");
  assert.deepEqual(out["node_modules/@deno/win32-x64"].os, ["win32"]);
});

Deno.test("the committed lockfile lists every platform package of the toolchain", async () => {
  const lock = JSON.parse(await Deno.readTextFile(new URL("../package-lock.json", import.meta.url)));
  assert.deepEqual(completeLock(lock.packages), lock.packages);
});
