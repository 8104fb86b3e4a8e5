import assert from "node:assert/strict";
import {
  jsonbSafe,
  jsonbSafeBody,
  jsonbStorable,
  maxJsonbDepth,
  textSafe,
  toJsonbText,
} from "./jsonb_text.ts";

Deno.test("a NUL escape in JSON text is replaced by U+FFFD", () => {
  assert.equal(JSON.parse(toJsonbText({ a: "x\u0000y" })).a, "x\ufffdy");
});

Deno.test("an escaped backslash followed by u0000 is text and stays as it is", () => {
  const json = JSON.stringify({ a: "\\u0000", b: "\\\u0000" });
  assert.deepEqual(JSON.parse(jsonbSafe(json)), { a: "\\u0000", b: "\\\ufffd" });
});

Deno.test("JSON without NUL escapes is returned unchanged", () => {
  const json = '{"a":"plain"}';
  assert.equal(jsonbSafe(json), json);
  assert.equal(toJsonbText(undefined), "null");
});

Deno.test("textSafe replaces raw NUL characters", () => {
  assert.equal(textSafe("a\0b"), "a\ufffdb");
  assert.equal(textSafe("ab"), "ab");
});

Deno.test("a body with a lone surrogate is made well formed, a valid pair is kept", () => {
  const text = '{"title":"cut \\ud83d","ok":"\\ud83d\\ude00","\\udc00key":1}';
  const { json, value } = jsonbSafeBody(text, JSON.parse(text));
  assert.deepEqual(value, { title: "cut \ufffd", ok: "😀", "\ufffdkey": 1 });
  assert.deepEqual(JSON.parse(json), value);
});

Deno.test("a body without surrogate escapes is stored as its own text", () => {
  const text = '{ "a" : 1 }';
  const parsed = JSON.parse(text);
  const result = jsonbSafeBody(text, parsed);
  assert.equal(result.json, text);
  assert.equal(result.value, parsed);
});

Deno.test("JSON nested deeper than jsonb takes or with a number numeric cannot hold is not storable", () => {
  const nested = (depth: number) => `{"a":${"[".repeat(depth)}${"]".repeat(depth)}}`;
  assert.equal(jsonbStorable(nested(maxJsonbDepth - 1)), true);
  assert.equal(jsonbStorable(nested(maxJsonbDepth)), false);
  assert.equal(jsonbStorable('{"n":1e200000}'), false);
  assert.equal(jsonbStorable('{"n":-2.5E-20000}'), false);
  assert.equal(jsonbStorable(`{"n":${"9".repeat(1001)}}`), false);
  assert.equal(jsonbStorable('{"n":-1.5e+300,"m":12,"s":"1e999999 [[[[ \\" {{"}'), true);
});
