import assert from "node:assert/strict";
import { BodyTooLargeError, readBodyBytes } from "./read_body.ts";

function streamOf(chunks: Uint8Array[], onPull?: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      onPull?.();
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
}

function post(body: BodyInit | null, headers: Record<string, string> = {}) {
  return new Request("http://127.0.0.1/x", { method: "POST", body, headers });
}

Deno.test("readBodyBytes returns the exact bytes, a BOM and invalid UTF-8 included", async () => {
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0xff, 0x7d]);
  assert.deepEqual(await readBodyBytes(post(bytes), 10), bytes);
});

Deno.test("readBodyBytes joins a streamed body's chunks", async () => {
  const enc = new TextEncoder();
  const req = post(streamOf([enc.encode("ab"), enc.encode("cd")]));
  assert.equal(new TextDecoder().decode(await readBodyBytes(req, 4)), "abcd");
});

Deno.test("readBodyBytes reads an empty body as no bytes", async () => {
  assert.equal((await readBodyBytes(post(null), 4)).length, 0);
});

Deno.test("readBodyBytes rejects a declared Content-Length over the limit before reading", async () => {
  const req = post(streamOf([new Uint8Array(1)]), { "content-length": "11" });
  await assert.rejects(() => readBodyBytes(req, 10), BodyTooLargeError);
  assert.equal(req.bodyUsed, false);
});

Deno.test("readBodyBytes stops reading once a body sends more than the limit", async () => {
  let pulled = 0;
  const chunks = Array.from({ length: 100 }, () => new Uint8Array(4));
  const req = post(streamOf(chunks, () => pulled++));
  await assert.rejects(() => readBodyBytes(req, 10), /larger than 10 bytes/);
  assert.ok(pulled < 10, `pulled ${pulled} chunks`);
});
