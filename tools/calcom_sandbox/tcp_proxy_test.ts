import assert from "node:assert/strict";
import { startTcpProxy, type TcpProxy } from "./tcp_proxy.ts";

/** An upstream `Deno.serve` behind a proxy; `answer` sees the proxy and the request's upstream port. */
function proxied(answer: (req: Request, proxy: TcpProxy, port: number) => Response | Promise<Response>) {
  const ports: number[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req, info) => {
    ports.push(info.remoteAddr.port);
    return answer(req, proxy, info.remoteAddr.port);
  });
  const proxy = startTcpProxy(server.addr.port);
  return {
    proxy,
    ports,
    async [Symbol.asyncDispose]() {
      await proxy.close();
      await server.shutdown();
    },
  };
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

Deno.test("requests and answers pass through unchanged, several on one kept-alive connection", async () => {
  await using s = proxied(async (req) =>
    new Response(`${req.method} ${new URL(req.url).pathname} ${await req.text()}`)
  );
  const answer = await raw(
    s.proxy.port,
    "POST /one HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n" +
      "GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
  );
  assert.equal(answer.match(/HTTP\/1\.1 200 OK/g)?.length, 2);
  assert.ok(answer.includes("POST /one hello world") && answer.includes("GET /two "), answer);
  assert.equal(new Set(s.ports).size, 1, "one upstream connection for the client's one");
});

Deno.test("a large answer arrives whole", async () => {
  const body = "x".repeat(3_000_000);
  await using s = proxied(() => new Response(body));
  const res = await fetch(`http://127.0.0.1:${s.proxy.port}/big`);
  assert.equal((await res.text()).length, body.length);
});

Deno.test("dropping a request's connection closes the client's side without any bytes", async () => {
  await using s = proxied((_req, proxy, port) => {
    assert.equal(proxy.drop(port), true);
    return new Response("never seen");
  });
  assert.equal(await raw(s.proxy.port, "GET /drop HTTP/1.1\r\nHost: x\r\n\r\n"), "");
  assert.equal(s.proxy.drop(s.ports[0]), false, "already gone");
});

Deno.test("closing the proxy ends connections whose request is still unanswered", async () => {
  const { promise: never, resolve: release } = Promise.withResolvers<Response>();
  const s = proxied(() => never);
  const pending = fetch(`http://127.0.0.1:${s.proxy.port}/hang`);
  const deadline = Date.now() + 5_000;
  while (s.ports.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(s.ports.length, 1);
  await s.proxy.close();
  await assert.rejects(pending);
  release(new Response("too late"));
  await s[Symbol.asyncDispose]();
});
