import assert from "node:assert/strict";
import { createApp as createSyncApp } from "../../supabase/functions/calcom-bookings-sync/app.ts";
import { createApp as createConnectionApp } from "../../supabase/functions/calcom-connection/app.ts";
import { createApp as createWebhookApp } from "../../supabase/functions/calcom-webhook/app.ts";
import { buildOpenApiDocument, openApiFileUrl } from "./generate_openapi.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** Every `$ref` in the document, with where it sits. */
function refs(value: Json, at = "#"): [string, string][] {
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === "$ref" && typeof v === "string" ? [[at, v] as [string, string]] : refs(v, `${at}/${key}`)
  );
}

Deno.test("docs/openapi.json is what the functions' schemas generate", async () => {
  const committed = JSON.parse(await Deno.readTextFile(openApiFileUrl));
  assert.deepEqual(
    committed,
    buildOpenApiDocument(),
    "docs/openapi.json is out of date: run `deno task openapi` and commit the result",
  );
});

Deno.test("the OpenAPI document is 3.1-shaped: paths, component schemas, bearer security", () => {
  const doc: Json = buildOpenApiDocument();
  assert.match(doc.openapi, /^3\.1\.\d+$/);
  assert.equal(typeof doc.info.title, "string");
  assert.equal(typeof doc.info.version, "string");
  assert.deepEqual(Object.keys(doc.paths["/calcom-connection"]).sort(), ["delete", "get", "patch", "post"]);
  assert.deepEqual(doc.components.securitySchemes.bearer, {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: doc.components.securitySchemes.bearer.description,
  });
  assert.deepEqual(doc.security, [{ bearer: [] }]);
  const operations = Object.values(doc.paths).flatMap((item: Json) => Object.values(item)) as Json[];
  const ids = operations.map((op) => op.operationId);
  assert.equal(new Set(ids).size, ids.length, "operation ids are unique");
  for (const op of operations) {
    assert.ok(
      Object.keys(op.responses).some((s) => s.startsWith("2") || s.startsWith("3")),
      `${op.operationId} has a success answer`,
    );
    for (const [status, response] of Object.entries(op.responses) as [string, Json][]) {
      assert.match(status, /^[1-5]\d\d$/);
      assert.equal(typeof response.description, "string", `${op.operationId} ${status} is described`);
    }
    for (const scheme of (op.security ?? []).flatMap(Object.keys)) {
      assert.ok(doc.components.securitySchemes[scheme], `${op.operationId} names a known security scheme`);
    }
  }
  const schemas = doc.components.schemas;
  for (
    const name of ["ConnectionView", "ConnectionList", "WebhookHealth", "ErrorBody", "SyncResult", "ReadPage"]
  ) {
    assert.ok(schemas[name], `components.schemas has ${name}`);
  }
  for (const [at, ref] of refs(doc)) {
    const match = ref.match(/^#\/components\/schemas\/(.+)$/);
    assert.ok(match && schemas[match[1]], `${at} refers to a component schema that exists (${ref})`);
  }
});

Deno.test("the connection view in the document has the settings page's fields", () => {
  const view: Json = (buildOpenApiDocument() as Json).components.schemas.ConnectionView;
  for (const field of ["lastSyncError", "bookingCount", "webhookHealth"]) {
    assert.ok(view.required.includes(field), field);
  }
  assert.deepEqual(view.properties.webhookHealth, { $ref: "#/components/schemas/WebhookHealth" });
});

/**
 * Stands in for every dependency while the apps are only built, never called: any property is itself,
 * any call answers itself.
 */
const inert: Json = new Proxy(function () {}, {
  get: (_target, key) => (key === "then" ? undefined : key === Symbol.toPrimitive ? () => "" : inert),
  apply: () => inert,
});

Deno.test("the document describes exactly the routes the three functions serve", () => {
  const served = [createSyncApp(inert), createConnectionApp(inert), createWebhookApp(inert)]
    .flatMap((app) => app.routes)
    .filter((r) => r.method !== "ALL")
    .map((r) => `${r.method} ${r.path.replace(/\/$/, "").replace(/:(\w+)/g, "{$1}")}`);
  const doc: Json = buildOpenApiDocument();
  const described = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`)
  );
  assert.deepEqual([...new Set(served)].sort(), described.sort());
});
