/**
 * End to end: `deno run -A tools/dev/main.ts` as its own process on the embedded database (a temp data
 * folder, free ports), driven over HTTP with supabase-js the way an app would: connect the sandbox
 * account, sync, read bookings under RLS (through the sync function's `GET ?fromDb=true`, since the dev
 * server runs no PostgREST), have the sandbox cancel a booking and see the webhook's effect, disconnect;
 * connect again with "Continue with Cal.com" through the sandbox's consent page; then SIGTERM and a clean exit, and a restart that finds the data again.
 *
 * @module
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { createLocalJWKSet, decodeJwt, jwtVerify } from "jose";
import postgres from "postgres";
import { LOCAL_JWT_SECRET, signUserToken } from "../dev/dev_tokens.ts";
import { invokeFunction } from "../testing/invoke_function.ts";
import { consent, openCallback } from "../testing/oauth_test_support.ts";

const root = new URL("../../", import.meta.url);

/** What `/_dev/info` tells (the subset used here). */
interface DevInfo {
  supabaseUrl: string;
  functionsUrl: string;
  functions: { name: string; available: boolean }[];
  database: { kind: string; url: string; migrationsApplied: string[] };
  calcom: { apiUrl: string; sandbox: { url: string; userId: number; apiKey: string; bookings: number } };
  anonKey: string;
  publishableKey: string;
  jwtSigning: string;
  devUser: { id: string; email: string; accessToken: string };
}

/** The dev server as a child process, with its output kept for the failure messages. */
class DevProcess {
  readonly child: Deno.ChildProcess;
  output = "";
  readonly drained: Promise<void>;

  constructor(dataDir: string) {
    // Only what Deno needs: a DATABASE_URL or CALCOM_API_URL from the test environment must not leak in.
    const env: Record<string, string> = { DENO_NO_PACKAGE_JSON: "1", NO_COLOR: "1" };
    for (const name of ["PATH", "HOME", "DENO_DIR", "TMPDIR", "XDG_CACHE_HOME"]) {
      const value = Deno.env.get(name);
      if (value !== undefined) env[name] = value;
    }
    this.child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "tools/dev/main.ts",
        "--port",
        "0",
        "--db-port",
        "0",
        "--sandbox-port",
        "0",
        "--data-dir",
        dataDir,
      ],
      cwd: root,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) this.output += decoder.decode(chunk, { stream: true });
    };
    this.drained = Promise.all([pump(this.child.stdout), pump(this.child.stderr)]).then(() => {});
  }

  tail(lines = 40): string {
    return this.output.split("\n").slice(-lines).join("\n");
  }

  /** Polls until the server printed its URL and answers /_dev/health; then reads /_dev/info. */
  async ready(deadlineMs = 90_000): Promise<DevInfo> {
    const deadline = Date.now() + deadlineMs;
    let exited = false;
    this.child.status.then(() => exited = true);
    while (Date.now() < deadline) {
      assert.ok(!exited, `The dev server exited before it was ready:\n${this.tail()}`);
      const url = this.output.match(/Functions\s+(http:\/\/127\.0\.0\.1:\d+)\/functions\/v1/)?.[1];
      if (url) {
        const health = await fetch(`${url}/_dev/health`).catch(() => undefined);
        if (health?.ok) {
          await health.body?.cancel();
          const info = await fetch(`${url}/_dev/info`);
          return await info.json();
        }
        await health?.body?.cancel();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`The dev server was not ready within ${deadlineMs / 1000} s:\n${this.tail()}`);
  }

  /** Sends SIGTERM and waits (up to a deadline) for the exit. */
  async stop(deadlineMs = 15_000): Promise<Deno.CommandStatus | "timeout"> {
    this.child.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      this.child.status,
      new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), deadlineMs)),
    ]);
    clearTimeout(timer);
    if (outcome === "timeout") {
      this.child.kill("SIGKILL");
      await this.child.status;
    }
    await this.drained;
    return outcome;
  }
}

/**
 * supabase-js as an app on the new API keys uses it: the publishable key, signed in as the dev user (or
 * whoever `token` belongs to).
 */
function clientFor(info: DevInfo, token: string): SupabaseClient {
  return createClient(info.supabaseUrl, info.publishableKey, {
    accessToken: () => Promise.resolve(token),
  });
}

// deno-lint-ignore no-explicit-any
type Json = any;

Deno.test({
  name: "the dev server serves the functions on an embedded database, end to end, and stops cleanly",
  // supabase-js keeps keep-alive sockets in its fetch; they close with the server at the end.
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  const dataDir = await Deno.makeTempDir({ prefix: "dev_e2e_" });
  let dev: DevProcess | undefined = new DevProcess(dataDir);
  let sql: postgres.Sql | undefined;
  try {
    const info = await dev.ready();
    const user = clientFor(info, info.devUser.accessToken);
    // Tokens are judged by the dev server's clock, which need not be this process's: take it from its token.
    const issuedAt = new Date(decodeJwt(info.devUser.accessToken).iat! * 1000);
    const sandbox = info.calcom.sandbox;
    // A direct connection for checking the database (PGlite queues it behind the functions' one).
    sql = postgres(info.database.url, { max: 1, onnotice: () => {} });
    const db = sql;
    let connectionId: string | undefined;
    let cancelledUid: string | undefined;

    await t.step(
      "it starts on the embedded database with the schema, the dev user and the sandbox",
      async () => {
        assert.equal(info.database.kind, "embedded");
        assert.ok(info.database.migrationsApplied.length >= 4, "all migrations applied on a fresh folder");
        const [row] = await db`select email from auth.users where id = ${info.devUser.id}`;
        assert.equal(row?.email, info.devUser.email);
        assert.match(sandbox.apiKey, /^cal_/);
        assert.ok(sandbox.bookings > 0);
        assert.deepEqual(
          info.functions.map((f) => [f.name, f.available]).sort(),
          [
            ["calcom-bookings-sync", true],
            ["calcom-connection", true],
            ["calcom-webhook", true],
          ],
        );
      },
    );

    await t.step("the dev user's token is ES256 under the served JWKS, with a publishable key", async () => {
      assert.equal(info.jwtSigning, "ES256");
      assert.match(info.publishableKey, /^sb_publishable_/);
      const jwks = await (await fetch(`${info.supabaseUrl}/auth/v1/.well-known/jwks.json`)).json();
      const { payload, protectedHeader } = await jwtVerify(
        info.devUser.accessToken,
        createLocalJWKSet(jwks),
        {
          issuer: `${info.supabaseUrl}/auth/v1`,
          audience: "authenticated",
          currentDate: issuedAt,
        },
      );
      assert.equal(protectedHeader.alg, "ES256");
      assert.equal(payload.sub, info.devUser.id);
    });

    await t.step("a request whose Host is not a loopback name is refused, /_dev/info included", async () => {
      const url = new URL(`${info.supabaseUrl}/_dev/info`);
      const res = await new Promise<string>((resolve, reject) => {
        // A raw request: fetch would not send a Host other than the URL's.
        Deno.connect({ hostname: url.hostname, port: Number(url.port) }).then(async (conn) => {
          await conn.write(new TextEncoder().encode(
            `GET /_dev/info HTTP/1.1\r\nHost: rebound.attacker.example:${url.port}\r\nConnection: close\r\n\r\n`,
          ));
          let text = "";
          const buf = new Uint8Array(4096);
          for (;;) {
            const n = await conn.read(buf);
            if (n === null) break;
            text += new TextDecoder().decode(buf.subarray(0, n));
          }
          conn.close();
          resolve(text);
        }, reject);
      });
      assert.match(res, /^HTTP\/1\.1 403 /);
      assert.match(res, /"code":"forbidden_host"/);
      assert.equal(res.includes(info.devUser.accessToken), false);
      const local = await (await fetch(url)).json();
      assert.match(local.notice, /holds a signed-in token/);
    });

    await t.step("a request without a user's JWT is refused by the function itself", async () => {
      const res = await fetch(`${info.functionsUrl}/calcom-connection`, { method: "POST", body: "{}" });
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.code, "unauthorized");
      const anon = await fetch(`${info.functionsUrl}/calcom-connection`, {
        method: "OPTIONS",
        headers: { origin: "http://localhost:3000", "access-control-request-method": "POST" },
      });
      assert.ok(anon.status === 200 || anon.status === 204, `preflight answered ${anon.status}`);
      await anon.body?.cancel();
    });

    await t.step({
      name: "connecting with the sandbox key stores the connection and registers the webhook at the sandbox",
      fn: async () => {
        const { status, body } = await invokeFunction(user, "calcom-connection", {
          body: { apiKey: sandbox.apiKey },
        });
        assert.equal(status, 201, JSON.stringify(body));
        const connection = body.connection as Json;
        assert.equal(body.success, true);
        assert.equal(connection.webhookRegistered, true);
        assert.equal(connection.calcomUser.id, sandbox.userId);
        assert.equal(connection.apiKeyHint, sandbox.apiKey.slice(-4));
        connectionId = connection.id;
        assert.equal(JSON.stringify(body).includes(sandbox.apiKey), false, "the key never comes back");

        const [row] = await db`
          select user_id, calcom_webhook_id, api_key_encrypted from public.calcom_connections where id = ${connectionId!}`;
        assert.equal(row.user_id, info.devUser.id);
        assert.ok(row.calcom_webhook_id);
        assert.equal(String(row.api_key_encrypted).includes(sandbox.apiKey), false);

        const overview = await (await fetch(`${info.supabaseUrl}/_dev/sandbox`)).json();
        assert.deepEqual(overview.webhooks.map((w: Json) => w.subscriberUrl), [
          `${info.functionsUrl}/calcom-webhook/${connectionId}`,
        ]);

        const listed = await invokeFunction(user, "calcom-connection", { method: "GET" });
        assert.equal(listed.status, 200);
        assert.equal((listed.body.connections as Json[]).length, 1);
      },
    });

    await t.step({
      name: "a sync pulls the sandbox bookings, and the owner reads them back from the database under RLS",
      fn: async () => {
        const synced = await invokeFunction(user, "calcom-bookings-sync", { body: {} });
        assert.equal(synced.status, 200, JSON.stringify(synced.body));
        assert.equal(synced.body.success, true);
        const [{ n }] = await db`
          select count(*)::int as n from public.calcom_bookings where calcom_connection_id = ${connectionId!}`;
        assert.equal(n, sandbox.bookings);

        const read = await invokeFunction(user, "calcom-bookings-sync?fromDb=true&limit=250", {
          method: "GET",
        });
        assert.equal(read.status, 200, JSON.stringify(read.body));
        assert.equal((read.body.bookings as Json[]).length, sandbox.bookings);

        const stranger = clientFor(
          info,
          await signUserToken({
            sub: crypto.randomUUID(),
            email: "stranger@example.test",
            secret: LOCAL_JWT_SECRET,
            supabaseUrl: info.supabaseUrl,
            now: issuedAt,
            expiresInSeconds: 600,
          }),
        );
        const theirs = await invokeFunction(stranger, "calcom-bookings-sync?fromDb=true", { method: "GET" });
        assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
        assert.deepEqual(theirs.body.bookings, []);
      },
    });

    await t.step({
      name: "the sandbox cancels a booking and its signed webhook marks it CANCELLED in the database",
      fn: async () => {
        // Cal.com's Date header has whole seconds, so a sync's read counts as the end of its second, and a
        // change made in that same second waits for the next sync (docs/decisions.md, "One clock"). A person
        // clicks later than that; the test waits the second out.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const list = await (await fetch(`${info.supabaseUrl}/_dev/sandbox/bookings?status=accepted&limit=1`))
          .json();
        cancelledUid = list.bookings[0].uid;
        const res = await fetch(`${info.supabaseUrl}/_dev/sandbox/bookings/${cancelledUid}/cancel`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ reason: "Travel plans changed" }),
        });
        assert.equal(res.status, 200);
        const body = await res.json();
        assert.equal(body.booking.status, "cancelled");
        // The sandbox answers after delivering: the webhook function has already answered 2xx.
        assert.deepEqual(body.deliveries, [{
          trigger: "BOOKING_CANCELLED",
          url: `${info.functionsUrl}/calcom-webhook/${connectionId}`,
          status: 200,
        }]);

        const [booking] = await db`
          select status, cancellation_reason from public.calcom_bookings
          where calcom_connection_id = ${connectionId!} and booking_uid = ${cancelledUid!}`;
        assert.equal(booking?.status, "CANCELLED");
        assert.equal(booking?.cancellation_reason, "Travel plans changed");
        const [event] = await db`
          select trigger_event, verified, processed from public.calcom_webhook_events
          where calcom_connection_id = ${connectionId!} and booking_uid = ${cancelledUid!}`;
        assert.deepEqual({ ...event }, {
          trigger_event: "BOOKING_CANCELLED",
          verified: true,
          processed: true,
        });
      },
    });

    await t.step({
      name: "the owner sees the cancellation through the sync function's database read",
      fn: async () => {
        const read = await invokeFunction(
          user,
          "calcom-bookings-sync?fromDb=true&status=cancelled&limit=250",
          { method: "GET" },
        );
        assert.equal(read.status, 200, JSON.stringify(read.body));
        const uids = (read.body.bookings as Json[]).map((b) => b.uid ?? b.bookingUid ?? b.booking_uid);
        assert.ok(uids.includes(cancelledUid), `${cancelledUid} among the cancelled bookings`);
      },
    });

    await t.step({
      name: "disconnecting removes the webhook at the sandbox and the connection with its bookings",
      fn: async () => {
        const { status, body } = await invokeFunction(user, "calcom-connection", { method: "DELETE" });
        assert.equal(status, 200, JSON.stringify(body));
        assert.equal(body.success, true);
        const overview = await (await fetch(`${info.supabaseUrl}/_dev/sandbox`)).json();
        assert.deepEqual(overview.webhooks, []);
        const [{ connections, bookings }] = await db`
          select (select count(*)::int from public.calcom_connections) as connections,
                 (select count(*)::int from public.calcom_bookings) as bookings`;
        assert.deepEqual({ connections, bookings }, { connections: 0, bookings: 0 });
      },
    });

    await t.step({
      name: "Continue with Cal.com connects the dev host through the sandbox's consent page",
      fn: async () => {
        const listed = await invokeFunction(user, "calcom-connection", { method: "GET" });
        assert.equal(listed.body.oauthEnabled, true);
        const started = await invokeFunction(user, "calcom-connection/oauth/start", {
          body: { returnTo: `${info.supabaseUrl}/` },
        });
        assert.equal(started.status, 200, JSON.stringify(started.body));
        const done = await openCallback(await consent(started.body.authorizeUrl, "dev-host"));
        assert.equal(done.status, 302, done.body);
        assert.equal(`${done.location!.origin}${done.location!.pathname}`, `${info.supabaseUrl}/`);
        assert.equal(done.location!.searchParams.get("calcom_status"), "connected");
        const id = done.location!.searchParams.get("calcom_connection_id")!;
        const [row] =
          await db`select auth_kind, calcom_webhook_id from public.calcom_connections where id = ${id}`;
        assert.equal(row.auth_kind, "oauth");
        // the dev server registered the webhook at the sandbox, as for a key
        const overview = await (await fetch(`${info.supabaseUrl}/_dev/sandbox`)).json();
        assert.equal(overview.webhooks.length, 1);
        assert.equal(overview.webhooks[0].subscriberUrl, `${info.functionsUrl}/calcom-webhook/${id}`);
        const synced = await invokeFunction(user, "calcom-bookings-sync", { body: {} });
        assert.equal(synced.status, 200, JSON.stringify(synced.body));
        const removed = await invokeFunction(user, "calcom-connection", { method: "DELETE" });
        assert.equal(removed.status, 200, JSON.stringify(removed.body));
      },
    });

    await t.step("SIGTERM stops it cleanly with exit code 0", async () => {
      await sql!.end();
      sql = undefined;
      const status = await dev!.stop();
      assert.notEqual(status, "timeout", `The dev server did not stop:\n${dev!.tail()}`);
      assert.equal((status as Deno.CommandStatus).code, 0, dev!.tail());
      assert.match(dev!.output, /SIGTERM: stopping[\s\S]*stopped/);
      assert.equal(existsSync(`${dataDir}/dev_server.lock`), false, "the data folder lock is released");
      dev = undefined;
    });

    await t.step("a restart on the same folder finds the data again and applies nothing twice", async () => {
      dev = new DevProcess(dataDir);
      const again = await dev.ready();
      assert.equal(again.devUser.id, info.devUser.id);
      assert.deepEqual(again.database.migrationsApplied, []);
      assert.equal(again.calcom.sandbox.apiKey, sandbox.apiKey, "the sandbox key survives restarts");
      const status = await dev.stop();
      assert.notEqual(status, "timeout", dev.tail());
      assert.equal((status as Deno.CommandStatus).code, 0, dev.tail());
      dev = undefined;
    });
  } finally {
    await sql?.end({ timeout: 1 });
    if (dev) await dev.stop(5_000);
    await Deno.remove(dataDir, { recursive: true });
  }
});
