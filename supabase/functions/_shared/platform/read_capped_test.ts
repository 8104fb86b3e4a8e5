import assert from "node:assert/strict";
import { readCapped } from "./read_capped.ts";

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

function post(body: BodyInit | null, headers: Record<string, string> = {}) {
  return new Request("http://127.0.0.1/x", { method: "POST", body, headers });
}

Deno.test("readCapped returns the exact bytes, a BOM and invalid UTF-8 included", async () => {
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0xff, 0x7d]);
  assert.deepEqual(await readCapped(post(bytes), 10), bytes);
});

Deno.test("readCapped joins a streamed body's chunks", async () => {
  const { stream } = counted([enc.encode("ab"), enc.encode("cd")]);
  assert.equal(new TextDecoder().decode(await readCapped(new Response(stream), 4)), "abcd");
});

Deno.test("readCapped reads a body of exactly the cap, and an absent body as no bytes", async () => {
  assert.deepEqual(await readCapped(new Response("12345"), 5), enc.encode("12345"));
  assert.equal((await readCapped(post(null), 4))?.length, 0);
  assert.equal((await readCapped(new Response(null), 4))?.length, 0);
});

Deno.test("readCapped refuses a declared Content-Length over the cap without reading", async () => {
  const { stream, state } = counted([enc.encode("x")]);
  const response = new Response(stream, { headers: { "content-length": "11" } });
  assert.equal(await readCapped(response, 10), undefined);
  assert.equal(state.pulled, 0);
  assert.equal(state.cancelled, true);
});

Deno.test("readCapped stops at the chunk that passes the cap and cancels the rest", async () => {
  const chunk = new Uint8Array(4);
  const { stream, state } = counted(Array.from({ length: 100 }, () => chunk));
  assert.equal(await readCapped(new Response(stream), 10), undefined);
  assert.equal(state.pulled, 3);
  assert.equal(state.cancelled, true);
});
