import assert from "node:assert/strict";
import { calcomAccount } from "./calcom_account.ts";

Deno.test("NUL and lone surrogates in the account's text become U+FFFD", () => {
  const account = calcomAccount({
    id: 7,
    username: "da\u0000na",
    email: "dana\u0000@example.com",
    timeZone: "Europe/\uD800Berlin",
  });
  assert.deepEqual(account, {
    id: 7,
    username: "da\uFFFDna",
    email: "dana\uFFFD@example.com",
    timeZone: "Europe/\uFFFDBerlin",
  });
});

Deno.test("an account without username or time zone keeps them null", () => {
  assert.deepEqual(calcomAccount({ id: 1, email: "a@example.com", username: null }), {
    id: 1,
    username: null,
    email: "a@example.com",
    timeZone: null,
  });
});
