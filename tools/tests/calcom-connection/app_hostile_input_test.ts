/**
 * Hostile input over real HTTP, as a fast-check property: every malformed request to calcom-connection
 * gets its 4xx with the JSON error envelope, never a 500 or a non-JSON answer, connects nothing, and no
 * API key shows in a response or a log line. The named requests run first, then generated ones.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { startTestStack } from "../../testing/test_stack.ts";
import {
  anyString,
  assertAllRefused,
  badAuthorization,
  type HostileRequest,
  jsonValueNot,
  nonObjectJson,
  notJson,
  notUuid,
  queryString,
  sendHostileRequest,
} from "../../testing/hostile_request.ts";

const FN = "calcom-connection";

Deno.test("calcom-connection answers every hostile request with its 4xx JSON error and connects nothing", async (t) => {
  await using stack = await startTestStack({ apps: { connection: true } });
  const user = await stack.signUp();
  const owner = await stack.signUp();
  const cal = stack.sandbox.addUser({ username: "hostile" });
  const key = cal.apiKey;
  const ownerAccount = stack.sandbox.addUser();
  const ownerKey = ownerAccount.apiKey;
  const ownerCal = ownerAccount.user.username ?? ownerAccount.user.email;
  const theirs = await fetch(`${stack.server.url}/${FN}`, {
    method: "POST",
    headers: { authorization: `Bearer ${owner.token}` },
    body: JSON.stringify({ apiKey: ownerKey }),
  });
  assert.equal(theirs.status, 201);
  const theirId = (await theirs.json()).connection.id;
  const json = (value: unknown) => JSON.stringify(value);

  const named: HostileRequest[] = [
    { name: "no token", anonymous: true, body: json({ apiKey: key }), status: 401, code: "unauthorized" },
    {
      name: "the anon key as token",
      headers: { authorization: `Bearer ${stack.anonKey}` },
      body: json({ apiKey: key }),
      status: 401,
      code: "unauthorized",
    },
    {
      name: "a Basic authorization",
      headers: { authorization: "Basic Zm9vOmJhcg==" },
      status: 401,
      code: "unauthorized",
    },
    { name: "an empty body", body: "", status: 400, code: "invalid_request" },
    { name: "a body that is not JSON", body: "{apiKey:", status: 400, code: "invalid_request" },
    { name: "an array body", body: json([{ apiKey: key }]), status: 400, code: "invalid_request" },
    { name: "a null body", body: "null", status: 400, code: "invalid_request" },
    { name: "a string body", body: json(key), status: 400, code: "invalid_request" },
    {
      name: "a form-encoded body",
      body: `apiKey=${key}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      status: 400,
      code: "invalid_request",
    },
    { name: "a numeric apiKey", body: json({ apiKey: 123 }), status: 400, code: "invalid_request" },
    {
      name: "an apiKey without the prefix",
      body: json({ apiKey: "sk_live_abcdefgh" }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a very long apiKey",
      body: json({ apiKey: `cal_${"a".repeat(100_000)}` }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an apiKey with a NUL",
      body: json({ apiKey: "cal_abcd\u0000efghijkl" }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "an apiKey with unicode",
      body: json({ apiKey: "cal_ābcdéfghijk" }),
      status: 400,
      code: "invalid_request",
    },
    { name: "a numeric label", body: json({ apiKey: key, label: 5 }), status: 400, code: "invalid_request" },
    {
      name: "a blank label",
      body: json({ apiKey: key, label: "   " }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a label over 100 characters",
      body: json({ apiKey: key, label: "x".repeat(101) }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a label with a NUL",
      body: json({ apiKey: key, label: "Work\u0000Cal" }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a label with a lone surrogate",
      body: '{"apiKey":"' + key + '","label":"a\\ud800b"}',
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a short webhookSecret",
      body: json({ apiKey: key, webhookSecret: "short" }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a numeric webhookSecret",
      body: json({ apiKey: key, webhookSecret: 1234567890123456 }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "registerWebhook as a string",
      body: json({ apiKey: key, registerWebhook: "no" }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a body over the size limit",
      body: json({ apiKey: key, pad: "x".repeat(1_100_000) }),
      status: 413,
      code: "payload_too_large",
    },
    {
      name: "DELETE with a non-uuid id",
      method: "DELETE",
      path: "?id=1%20or%201=1",
      status: 404,
      code: "not_found",
    },
    { name: "DELETE with an empty id", method: "DELETE", path: "?id=", status: 404, code: "not_found" },
    {
      name: "DELETE with a repeated id",
      method: "DELETE",
      path: `?id=${theirId}&id=${theirId}`,
      status: 400,
      code: "invalid_request",
    },
    {
      name: "DELETE of another user's connection",
      method: "DELETE",
      path: `?id=${theirId}`,
      status: 404,
      code: "not_found",
    },
    { name: "DELETE with no connection at all", method: "DELETE", status: 404, code: "not_found" },
    { name: "a PUT", method: "PUT", body: "{}", status: 405, code: "method_not_allowed" },
    {
      name: "a PATCH without an id",
      method: "PATCH",
      body: json({ isActive: false }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a PATCH with a repeated id",
      method: "PATCH",
      path: `?id=${theirId}&id=${theirId}`,
      body: json({ isActive: false }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a PATCH that changes nothing",
      method: "PATCH",
      path: `?id=${theirId}`,
      body: "{}",
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a PATCH of a column clients may not change",
      method: "PATCH",
      path: `?id=${theirId}`,
      body: json({ label: "Mine", userId: user.id }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a PATCH with isActive as a string",
      method: "PATCH",
      path: `?id=${theirId}`,
      body: json({ isActive: "false" }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a PATCH with a NUL in the label",
      method: "PATCH",
      path: `?id=${theirId}`,
      body: json({ label: "Work\u0000Cal" }),
      status: 400,
      code: "invalid_request",
    },
    {
      name: "a PATCH of another user's connection",
      method: "PATCH",
      path: `?id=${theirId}`,
      body: json({ label: "Hijacked", isActive: false }),
      status: 404,
      code: "not_found",
    },
    {
      name: "a PATCH with a non-uuid id",
      method: "PATCH",
      path: "?id=1%20or%201=1",
      body: json({ isActive: false }),
      status: 404,
      code: "not_found",
    },
    { name: "an unknown sub-path", method: "GET", path: `/${theirId}`, status: 404, code: "not_found" },
  ];

  const invalid = (name: string, body: unknown): HostileRequest => ({
    name,
    body: JSON.stringify(body),
    status: 400,
    code: "invalid_request",
  });
  const generated: fc.Arbitrary<HostileRequest> = fc.oneof(
    badAuthorization.map((authorization) => ({
      name: "a bad authorization",
      headers: { authorization },
      body: json({ apiKey: key }),
      status: 401,
      code: "unauthorized",
    })),
    fc.oneof(notJson, nonObjectJson).map((body) => ({
      name: "a body that is not a JSON object",
      body,
      status: 400,
      code: "invalid_request",
    })),
    fc.oneof(jsonValueNot("string"), anyString.filter((s) => !/^cal_[A-Za-z0-9_-]{8,250}$/.test(s.trim())))
      .map((apiKey) => invalid("a malformed apiKey", { apiKey })),
    fc.oneof(
      jsonValueNot("string"),
      fc.stringMatching(/^[ \t\n]{0,5}$/),
      fc.string({ unit: fc.constantFrom("a", "é", "😀"), minLength: 101, maxLength: 120 }),
      fc.tuple(anyString, fc.integer({ min: 0, max: 0x1f }), anyString)
        .map(([a, c, b]) => `a${a}${String.fromCharCode(c)}${b}z`),
    ).map((label) => invalid("a malformed label", { apiKey: key, label })),
    fc.oneof(jsonValueNot("string"), anyString.filter((s) => !/^[\x21-\x7e]{16,256}$/.test(s)))
      .map((webhookSecret) => invalid("a malformed webhookSecret", { apiKey: key, webhookSecret })),
    jsonValueNot("boolean")
      .map((registerWebhook) =>
        invalid("a registerWebhook that is not a boolean", { apiKey: key, registerWebhook })
      ),
    fc.tuple(fc.constant("PUT"), anyString).map(([method, body]) => ({
      name: "a method the function does not take",
      method,
      body,
      status: 405,
      code: "method_not_allowed",
    })),
    fc.oneof(notUuid, fc.uuid()).map((id) => ({
      name: "a DELETE of no connection of the user's",
      method: "DELETE",
      path: `?${queryString([["id", id]])}`,
      status: 404,
      code: "not_found",
    })),
    fc.oneof(
      notJson,
      nonObjectJson,
      fc.constant("{}"),
      jsonValueNot("boolean").map((isActive) => json({ isActive })),
      jsonValueNot("string").map((label) => json({ label })),
      fc.string({ unit: fc.constantFrom("a", "é"), minLength: 101, maxLength: 120 }).map((label) =>
        json({ label })
      ),
      fc.stringMatching(/^[a-z]{1,12}$/).filter((k) => k !== "label" && k !== "isActive")
        .map((key) => json({ isActive: true, [key]: 1 })),
    ).map((body) => ({
      name: "a PATCH with a body it does not take",
      method: "PATCH",
      path: `?id=${theirId}`,
      body,
      status: 400,
      code: "invalid_request",
    })),
    fc.tuple(fc.oneof(notUuid, fc.uuid()), fc.boolean()).map(([id, isActive]) => ({
      name: "a PATCH of no connection of the user's",
      method: "PATCH",
      path: `?${queryString([["id", id]])}`,
      body: json({ isActive }),
      status: 404,
      code: "not_found",
    })),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/).map((segment) => ({
      name: "an unknown sub-path",
      method: "GET",
      path: `/${segment}`,
      status: 404,
      code: "not_found",
    })),
  );

  await t.step("the named and 3,000 generated hostile requests each get their 4xx error", async () => {
    await assertAllRefused(
      generated,
      (request) =>
        sendHostileRequest(`${stack.server.url}/${FN}`, request, {
          method: "POST",
          headers: { authorization: `Bearer ${user.token}`, apikey: stack.anonKey },
        }),
      {
        numRuns: 3000,
        examples: named,
        check: (text) => assert.ok(!text.includes(key), "the API key is not echoed"),
      },
    );
  });

  await t.step("nothing was connected for the user and the other user's connection is intact", async () => {
    const rows = await stack.db.sql<{ user_id: string; label: string; is_active: boolean }[]>`
      select user_id, label, is_active from public.calcom_connections order by created_at`;
    assert.deepEqual(rows.map((r) => ({ ...r })), [{
      user_id: owner.id,
      label: "Cal.com " + ownerCal,
      is_active: true,
    }]);
    assert.ok(!stack.logs.some((line) => line.includes(key)), "no log line holds the API key");
    assert.ok(!stack.logs.some((line) => line.includes('"level":"error"')), stack.logs.join("\n"));
  });
});
