/**
 * A TCP proxy on 127.0.0.1 in front of the sandbox's `Deno.serve` listener, for the one thing HTTP
 * servers cannot do: close a client's connection without any answer. Each client connection gets its
 * own upstream connection, so the server identifies the client connection of a request by the
 * request's remote port (the proxy's end of the upstream connection) and drops it here.
 *
 * @module
 */

/** A running proxy. */
export interface TcpProxy {
  port: number;
  /**
   * Closes the client connection carried by the upstream connection from local port `upstreamPort`
   * (the `remoteAddr.port` the upstream server saw), and that upstream connection; false if unknown.
   */
  drop(upstreamPort: number): boolean;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

interface Pair {
  client: Deno.TcpConn;
  upstream: Deno.TcpConn;
}

/** Forwards connections on 127.0.0.1:`port` (0 = any free port) to 127.0.0.1:`upstreamPort`. */
export function startTcpProxy(upstreamPort: number, port = 0): TcpProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port, transport: "tcp" });
  const pairs = new Map<number, Pair>();
  const tasks = new Set<Promise<void>>();
  let closed = false;

  const closeQuietly = (conn: Deno.Conn) => {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
  };

  const dropPair = (key: number) => {
    const pair = pairs.get(key);
    if (!pair) return false;
    pairs.delete(key);
    closeQuietly(pair.client);
    closeQuietly(pair.upstream);
    return true;
  };

  async function forward(client: Deno.TcpConn): Promise<void> {
    let upstream: Deno.TcpConn;
    try {
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: upstreamPort });
    } catch {
      closeQuietly(client);
      return;
    }
    if (closed) {
      closeQuietly(client);
      closeQuietly(upstream);
      return;
    }
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const key = upstream.localAddr.port;
    pairs.set(key, { client, upstream });
    // The client ending its side is passed on as a half-close; the server ending its side, or either
    // side failing (as after a drop), ends the pair.
    const requests = client.readable.pipeTo(upstream.writable, { preventClose: true })
      .then(() => upstream.closeWrite());
    const answers = upstream.readable.pipeTo(client.writable, { preventClose: true });
    await Promise.race([requests.then(() => answers), answers]).catch(() => {});
    dropPair(key);
  }

  const accepting = (async () => {
    for (;;) {
      let client: Deno.TcpConn;
      try {
        client = await listener.accept();
      } catch {
        return;
      }
      const task = forward(client);
      tasks.add(task);
      task.finally(() => tasks.delete(task));
    }
  })();

  return {
    port: (listener.addr as Deno.NetAddr).port,
    drop: dropPair,
    async close() {
      if (closed) return;
      closed = true;
      listener.close();
      for (const key of [...pairs.keys()]) dropPair(key);
      await accepting;
      await Promise.allSettled([...tasks]);
    },
  };
}
