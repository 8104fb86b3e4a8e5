/**
 * A small HTTP/1.1 server over raw TCP. The sandbox needs what `Deno.serve` cannot give: closing a
 * connection without any answer and leaving a request unanswered, while staying fast for large pages
 * (node:http's compatibility layer is several times slower on 300 KB bodies). It speaks just enough
 * HTTP for fetch clients: keep-alive, Content-Length or chunked request bodies, answers with a
 * Content-Length or streamed chunked, one request at a time per connection.
 *
 * @module
 */

/** A parsed request. */
export interface RawRequest {
  method: string;
  /** Request target: path and query. */
  url: string;
  headers: Headers;
  body: Uint8Array;
}

/** What to do with a request. */
export type Reply =
  | { kind: "response"; status: number; headers: Record<string, string>; body: string | Uint8Array }
  /** Written chunked as `chunks` yields, so a body of any size is never held whole. */
  | { kind: "stream"; status: number; headers: Record<string, string>; chunks: AsyncIterable<Uint8Array> }
  | { kind: "drop" }
  | { kind: "hang" };

/** A running server. */
export interface Http1Server {
  port: number;
  /** Stops listening and closes every connection, including hung ones. */
  close(): Promise<void>;
}

const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  307: "Temporary Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

const MAX_HEAD = 64 * 1024;
const MAX_BODY = 8 * 1024 * 1024;
const enc = new TextEncoder();
const dec = new TextDecoder();

class ProtocolError extends Error {}

/** Buffered reads from a connection. */
class Reader {
  #buf = new Uint8Array(0);
  readonly #conn: Deno.Conn;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Reads more bytes; false at end of stream. */
  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(64 * 1024);
    const n = await this.#conn.read(chunk);
    if (n === null) return false;
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
    return true;
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /** Bytes up to and excluding `delimiter`; null at a clean end of stream before any byte. */
  async until(delimiter: string, max: number): Promise<string | null> {
    const d = enc.encode(delimiter);
    for (let from = 0;;) {
      const i = indexOf(this.#buf, d, from);
      if (i >= 0) {
        const out = dec.decode(this.#buf.subarray(0, i));
        this.#take(i + d.length);
        return out;
      }
      if (this.#buf.length > max) throw new ProtocolError("Header section too large");
      from = Math.max(0, this.#buf.length - d.length + 1);
      if (!(await this.#fill())) {
        if (this.#buf.length === 0) return null;
        throw new ProtocolError("Connection closed mid-request");
      }
    }
  }

  /** Exactly `n` bytes. */
  async exactly(n: number): Promise<Uint8Array> {
    while (this.#buf.length < n) {
      if (!(await this.#fill())) throw new ProtocolError("Connection closed mid-body");
    }
    return this.#take(n);
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

async function readBody(reader: Reader, headers: Headers): Promise<Uint8Array> {
  if (headers.get("transfer-encoding")?.toLowerCase().includes("chunked")) {
    const parts: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const line = await reader.until("\r\n", 1024);
      if (line === null) throw new ProtocolError("Connection closed mid-body");
      const size = parseInt(line.split(";")[0], 16);
      if (Number.isNaN(size)) throw new ProtocolError("Bad chunk size");
      if (size === 0) {
        // Trailers end with an empty line.
        while ((await reader.until("\r\n", MAX_HEAD)) !== "");
        break;
      }
      total += size;
      if (total > MAX_BODY) throw new ProtocolError("Body too large");
      parts.push(await reader.exactly(size));
      await reader.exactly(2);
    }
    const body = new Uint8Array(total);
    let offset = 0;
    for (const p of parts) {
      body.set(p, offset);
      offset += p.length;
    }
    return body;
  }
  const length = Number(headers.get("content-length") ?? 0);
  if (!Number.isInteger(length) || length < 0 || length > MAX_BODY) {
    throw new ProtocolError("Bad Content-Length");
  }
  return length ? await reader.exactly(length) : new Uint8Array(0);
}

/** Whether the handler set `Date` itself (the sandbox clock's time); otherwise the wall clock's goes. */
function hasDate(headers: Record<string, string>): boolean {
  return Object.keys(headers).some((name) => name.toLowerCase() === "date");
}

function serialize(
  status: number,
  headers: Record<string, string>,
  body: Uint8Array,
  keepAlive: boolean,
): Uint8Array {
  let head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (/^(content-length|connection|transfer-encoding)$/i.test(name)) continue;
    head += `${name}: ${value}\r\n`;
  }
  if (!hasDate(headers)) head += `Date: ${new Date().toUTCString()}\r\n`;
  head += `Content-Length: ${body.length}\r\n`;
  head += `Connection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n`;
  const h = enc.encode(head);
  const out = new Uint8Array(h.length + body.length);
  out.set(h);
  out.set(body, h.length);
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}

/** Writes a chunked answer; a peer that goes away mid-body makes a write throw, ending the stream. */
async function writeChunked(
  conn: Deno.Conn,
  reply: { status: number; headers: Record<string, string>; chunks: AsyncIterable<Uint8Array> },
  keepAlive: boolean,
): Promise<void> {
  let head = `HTTP/1.1 ${reply.status} ${REASONS[reply.status] ?? "Unknown"}\r\n`;
  for (const [name, value] of Object.entries(reply.headers)) {
    if (/^(content-length|connection|transfer-encoding)$/i.test(name)) continue;
    head += `${name}: ${value}\r\n`;
  }
  if (!hasDate(reply.headers)) head += `Date: ${new Date().toUTCString()}\r\n`;
  head += `Transfer-Encoding: chunked\r\n`;
  head += `Connection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n`;
  await writeAll(conn, enc.encode(head));
  for await (const chunk of reply.chunks) {
    if (chunk.length === 0) continue;
    await writeAll(conn, enc.encode(`${chunk.length.toString(16)}\r\n`));
    await writeAll(conn, chunk);
    await writeAll(conn, enc.encode("\r\n"));
  }
  await writeAll(conn, enc.encode("0\r\n\r\n"));
}

/** Serves `handler` on 127.0.0.1:`port` (0 = any free port). */
export function serveHttp1(handler: (req: RawRequest) => Promise<Reply>, port = 0): Http1Server {
  const listener = Deno.listen({ hostname: "127.0.0.1", port, transport: "tcp" });
  const conns = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  let closed = false;
  let closeSignal: () => void = () => {};
  const whenClosed = new Promise<void>((resolve) => (closeSignal = resolve));

  const closeConn = (conn: Deno.Conn) => {
    if (!conns.delete(conn)) return;
    try {
      conn.close();
    } catch {
      // Already closed by the peer.
    }
  };

  async function serveConn(conn: Deno.Conn): Promise<void> {
    const reader = new Reader(conn);
    try {
      while (!closed) {
        const head = await reader.until("\r\n\r\n", MAX_HEAD);
        if (head === null) break;
        const [requestLine, ...lines] = head.split("\r\n");
        const [method, url, version] = requestLine.split(" ");
        if (!method || !url || !version?.startsWith("HTTP/1.")) throw new ProtocolError("Bad request line");
        const headers = new Headers();
        for (const line of lines) {
          const colon = line.indexOf(":");
          if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
        }
        const body = await readBody(reader, headers);
        const keepAlive = version === "HTTP/1.1"
          ? headers.get("connection")?.toLowerCase() !== "close"
          : headers.get("connection")?.toLowerCase() === "keep-alive";
        const reply = await handler({ method, url, headers, body });
        if (closed) break;
        if (reply.kind === "drop") break;
        if (reply.kind === "hang") {
          await whenClosed;
          break;
        }
        if (reply.kind === "stream") {
          await writeChunked(conn, reply, keepAlive);
          if (!keepAlive) break;
          continue;
        }
        const bytes = typeof reply.body === "string" ? enc.encode(reply.body) : reply.body;
        await writeAll(conn, serialize(reply.status, reply.headers, bytes, keepAlive));
        if (!keepAlive) break;
      }
    } catch (err) {
      if (err instanceof ProtocolError && !closed) {
        await writeAll(conn, serialize(400, { "Content-Type": "text/plain" }, enc.encode(err.message), false))
          .catch(() => {});
      }
      // Otherwise the peer went away (reset, broken pipe): nothing to answer.
    } finally {
      closeConn(conn);
    }
  }

  const accepting = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      if (closed) {
        conn.close();
        return;
      }
      conns.add(conn);
      const task = serveConn(conn);
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  })();

  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      if (closed) return;
      closed = true;
      closeSignal();
      listener.close();
      for (const conn of [...conns]) closeConn(conn);
      await accepting;
      await Promise.allSettled([...tasks]);
    },
  };
}
