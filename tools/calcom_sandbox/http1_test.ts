import assert from "node:assert/strict";
import { type RawRequest, type Reply, serveHttp1 } from "./http1.ts";

function echoServer(reply?: (req: RawRequest) => Reply) {
  const seen: RawRequest[] = [];
  const server = serveHttp1((req) => {
    seen.push(req);
    return Promise.resolve(
      reply?.(req) ?? {
        kind: "response",
        status: 200,
        headers: { "Content-Type": "text/plain" },
        body: `${req.method} ${req.url} ${new TextDecoder().decode(req.body)}`,
      },
    );
  });
  return { server, seen, [Symbol.asyncDispose]: () => server.close() };
}

async function raw(port: number, request: string): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode(request));
  const chunks: string[] = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    const n = await conn.read(buf).catch(() => null);
    if (n === null) break;
    chunks.push(new TextDecoder().decode(buf.subarray(0, n)));
  }
  conn.close();
  return chunks.join("");
}

Deno.test("fetch requests with bodies and headers reach the handler intact", async () => {
  await using s = echoServer();
  const res = await fetch(`http://127.0.0.1:${s.server.port}/v2/x?a=1`, {
    method: "POST",
    headers: { authorization: "Bearer k", "content-type": "application/json" },
    body: JSON.stringify({ ü: "✓" }),
  });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'POST /v2/x?a=1 {"ü":"✓"}');
  assert.equal(s.seen[0].headers.get("authorization"), "Bearer k");
});

Deno.test("several requests share a kept-alive connection", async () => {
  await using s = echoServer();
  const answer = await raw(
    s.server.port,
    "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  );
  assert.equal(answer.match(/HTTP\/1\.1 200 OK/g)?.length, 2);
  assert.ok(answer.includes("GET /one ") && answer.includes("GET /two "));
  assert.deepEqual(s.seen.map((r) => r.url), ["/one", "/two"]);
});

Deno.test("a chunked request body is decoded", async () => {
  await using s = echoServer();
  const answer = await raw(
    s.server.port,
    "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
  );
  assert.match(answer, /POST \/c hello world$/);
});

Deno.test("a malformed request line gets a 400 and the connection closes", async () => {
  await using s = echoServer();
  const answer = await raw(s.server.port, "NONSENSE\r\n\r\n");
  assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.equal(s.seen.length, 0);
});

Deno.test("a dropped reply closes the connection without any bytes", async () => {
  await using s = echoServer(() => ({ kind: "drop" }));
  const answer = await raw(s.server.port, "GET /drop HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.equal(answer, "");
});

Deno.test("closing the server ends hung requests", async () => {
  const s = echoServer(() => ({ kind: "hang" }));
  const pending = fetch(`http://127.0.0.1:${s.server.port}/hang`);
  const deadline = Date.now() + 5_000;
  while (s.seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(s.seen.length, 1);
  await s.server.close();
  await assert.rejects(pending);
});
