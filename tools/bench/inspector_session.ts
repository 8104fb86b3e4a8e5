/**
 * A session with a V8 inspector (a Deno process started with `--inspect=HOST:PORT`) over the Chrome
 * DevTools protocol: enough to start and stop the CPU profiler from outside the process.
 *
 * @module
 */

/** Sends protocol commands and waits for their answers. */
export interface InspectorSession {
  send(method: string, params?: Record<string, unknown>): Promise<unknown>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Connects to the first target the inspector on `port` (127.0.0.1) lists. */
export async function inspectorSession(port: number): Promise<InspectorSession> {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json() as {
    webSocketDebuggerUrl: string;
  }[];
  if (targets.length === 0) throw new Error(`No inspector target on port ${port}`);
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`Cannot connect to the inspector on port ${port}`));
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  socket.onmessage = (message) => {
    const data = JSON.parse(message.data as string);
    const waiter = pending.get(data.id);
    if (!waiter) return; // an event, not an answer
    pending.delete(data.id);
    if (data.error) waiter.reject(new Error(`${data.error.message} (${data.error.code})`));
    else waiter.resolve(data.result);
  };
  const close = async () => {
    if (socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => socket.onclose = resolve);
    socket.close();
    await closed;
  };
  return {
    send(method, params = {}) {
      const id = nextId++;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
