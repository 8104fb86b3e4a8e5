import assert from "node:assert/strict";
import { formatBytes, maxResponseBytes, readCappedText } from "./read_capped.ts";

const enc = new TextEncoder();

/** A stream of `chunks`, one per pull. */
function streamOf(chunks: Uint8Array[]) {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
}

Deno.test("readCappedText joins a streamed body's chunks, a character split across chunks included", async () => {
  const euro = enc.encode("€");
  const stream = streamOf([enc.encode('{"a":"'), euro.slice(0, 1), euro.slice(1), enc.encode('"}')]);
  assert.deepEqual(await readCappedText(new Response(stream), 100), { ok: true, text: '{"a":"€"}' });
});

Deno.test("readCappedText reads a body of exactly the cap and an absent body", async () => {
  assert.deepEqual(await readCappedText(new Response("12345"), 5), { ok: true, text: "12345" });
  assert.deepEqual(await readCappedText(new Response(null), 5), { ok: true, text: "" });
});

Deno.test("readCappedText answers tooLarge for an answer over the cap", async () => {
  assert.deepEqual(await readCappedText(new Response("123456"), 5), { ok: false, tooLarge: true });
});

Deno.test("the cap is 16 MB and sizes are named in MB when whole", () => {
  assert.equal(maxResponseBytes, 16_777_216);
  assert.equal(formatBytes(maxResponseBytes), "16 MB");
  assert.equal(formatBytes(1000), "1000 bytes");
});
