import assert from "node:assert/strict";
import { CalcomError } from "../calcom/errors.ts";
import {
  allowedServers,
  isPrivateHost,
  normaliseApiUrl,
  serverUrlFor,
  storedServerFor,
} from "./calcom_servers.ts";

const config = {
  calcomApiUrl: "https://api.cal.com",
  calcomApiOrigins: ["https://cal.example.com", "http://127.0.0.1:5555"],
};

Deno.test("private hosts are loopback, RFC 1918, unique-local and single-label names, not link-local", () => {
  for (
    const host of [
      "localhost",
      "app.localhost",
      "127.0.0.1",
      "10.0.0.5",
      "172.20.1.1",
      "192.168.1.9",
      "[::1]",
      "[fd12::1]",
      "calcom",
    ]
  ) {
    assert.equal(isPrivateHost(host), true, host);
  }
  for (const host of ["169.254.169.254", "172.32.0.1", "8.8.8.8", "cal.example.com", "[2001:db8::1]"]) {
    assert.equal(isPrivateHost(host), false, host);
  }
});

Deno.test("URLs are compared with scheme and host in lower case and without trailing slashes", () => {
  assert.equal(normaliseApiUrl("HTTPS://Cal.Example.com:443/"), "https://cal.example.com");
  assert.equal(normaliseApiUrl("https://cal.example.com/api/"), "https://cal.example.com/api");
  assert.equal(normaliseApiUrl("https://cal.example.com/?x=1"), undefined);
  assert.equal(normaliseApiUrl("https://cal.example.com/?"), undefined);
  assert.equal(normaliseApiUrl("https://u:p@cal.example.com"), undefined);
  assert.equal(normaliseApiUrl("ftp://cal.example.com"), undefined);
  assert.equal(normaliseApiUrl("not a url"), undefined);
});

Deno.test("a connect names the default (stored as null), a listed origin, or nothing allowed", () => {
  assert.equal(storedServerFor(config, undefined), null);
  assert.equal(storedServerFor(config, "https://api.cal.com/"), null);
  assert.equal(storedServerFor(config, "https://CAL.example.com"), "https://cal.example.com");
  assert.equal(storedServerFor(config, "http://127.0.0.1:5555/"), "http://127.0.0.1:5555");
  for (
    const other of ["https://cal.example.com/v2", "https://cal.example.net", "http://127.0.0.1:5556", "x"]
  ) {
    assert.equal(storedServerFor(config, other), undefined, other);
  }
  assert.deepEqual(allowedServers(config), [
    "https://api.cal.com",
    "https://cal.example.com",
    "http://127.0.0.1:5555",
  ]);
});

Deno.test("a stored origin is used while it is listed, and refused once the operator removed it", () => {
  assert.equal(serverUrlFor(config, null), "https://api.cal.com");
  assert.equal(serverUrlFor(config, "https://cal.example.com"), "https://cal.example.com");
  assert.throws(
    () => serverUrlFor(config, "https://cal.example.net"),
    (err: unknown) =>
      err instanceof CalcomError && !err.retryable &&
      /cal\.example\.net is no longer allowed here/.test(err.message),
  );
});
