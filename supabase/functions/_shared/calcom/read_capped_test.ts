import assert from "node:assert/strict";
import { formatBytes, maxResponseBytes, readCappedText } from "./read_capped.ts";

const enc = new TextEncoder();

/** A stream of `chunks` that counts how many were pulled and whether it was cancelled. */
function counted(chunks: Uint8Array[]) {
  const state = { pulled: 0, cancelled: false };
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) {
        state.pulled++;
        controller.enqueue(chunks[i++]);
      } else controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, state };
}

Deno.test("readCappedText joins a streamed body's chunks, a character split across chunks included", async () => {
  const euro = enc.encode("€");
  const { stream } = counted([enc.encode('{"a":"'), euro.slice(0, 1), euro.slice(1), enc.encode('"}')]);
  assert.deepEqual(await readCappedText(new Response(stream), 100), { ok: true, text: '{"a":"€"}' });
});

Deno.test("readCappedText reads a body of exactly the cap and an absent body", async () => {
  assert.deepEqual(await readCappedText(new Response("12345"), 5), { ok: true, text: "12345" });
  assert.deepEqual(await readCappedText(new Response(null), 5), { ok: true, text: "" });
});

Deno.test("readCappedText refuses a declared Content-Length over the cap without reading", async () => {
  const { stream, state } = counted([enc.encode("x")]);
  const response = new Response(stream, { headers: { "content-length": "11" } });
  assert.deepEqual(await readCappedText(response, 10), { ok: false, tooLarge: true });
  assert.equal(state.pulled, 0);
  assert.equal(state.cancelled, true);
});

Deno.test("readCappedText stops at the chunk that passes the cap and cancels the rest", async () => {
  const chunk = new Uint8Array(4);
  const { stream, state } = counted(Array.from({ length: 100 }, () => chunk));
  assert.deepEqual(await readCappedText(new Response(stream), 10), { ok: false, tooLarge: true });
  assert.equal(state.pulled, 3);
  assert.equal(state.cancelled, true);
});

Deno.test("the cap is 16 MB and sizes are named in MB when whole", () => {
  assert.equal(maxResponseBytes, 16_777_216);
  assert.equal(formatBytes(maxResponseBytes), "16 MB");
  assert.equal(formatBytes(1000), "1000 bytes");
});
