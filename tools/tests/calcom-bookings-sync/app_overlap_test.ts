/**
 * The run fetches page k+1 while it saves page k: a save that fails drops the page fetched ahead, a
 * deadline that passes meanwhile still saves it, and either way the chain ends with every booking stored
 * once and every page asked for once per run.
 */
import assert from "node:assert/strict";
import { startTestStack, type TestStack } from "../../testing/test_stack.ts";
import {
  assertMirrors,
  bookingRequests,
  connectedUser,
  fullSyncPages,
  postSync,
  syncClock,
} from "../../testing/sync_test_support.ts";

async function runRow(stack: TestStack, id: string) {
  const [run] = await stack.deps.db.sql`select * from public.calcom_sync_runs where id = ${id}`;
  return run;
}

async function storedCount(stack: TestStack, connectionId: string): Promise<number> {
  const [{ n }] = await stack.deps.db.sql`
    select count(*)::int as n from public.calcom_bookings where calcom_connection_id = ${connectionId}`;
  return n;
}

/** The request's filters, to tell pages apart. */
const filters = (r: { query: Record<string, unknown> }) => JSON.stringify(r.query);

Deno.test("a save that fails while the next page is fetched loses nothing: the next run resumes after the last saved page", async () => {
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock });
  const sql = stack.deps.db.sql;
  const { user, cal, connectionId } = await connectedUser(stack, 1200, 61);
  // A real database failure in the third page's transaction, after its bookings were written: the
  // counters' update (pages 2 → 3) raises, so the whole page rolls back.
  await sql.unsafe(`
    create function fail_third_page() returns trigger language plpgsql as $$
    begin
      if old.pages = 2 and new.pages = 3 then raise exception 'injected failure of the third page'; end if;
      return new;
    end $$;
    create trigger fail_third_page before update on public.calcom_sync_runs
      for each row execute function fail_third_page();`);

  const failed = await postSync(user);
  await sql.unsafe(`
    drop trigger fail_third_page on public.calcom_sync_runs;
    drop function fail_third_page();`);

  assert.equal(failed.status, 500);
  assert.equal(failed.body.error.code, "internal_error");
  const run = await runRow(stack, failed.body.error.details.syncRunId);
  assert.equal(run.status, "failed");
  assert.equal(run.pages, 2, "the checkpoint stays at the last saved page");
  assert.equal(await storedCount(stack, connectionId), run.fetched, "the failed page left no booking");
  const asked = bookingRequests(stack, cal.apiKey);
  assert.equal(asked.length, 4, "pages 1 to 3, and page 4 fetched ahead while page 3 was saved");

  const resumed = await postSync(user);
  assert.equal(resumed.status, 200);
  assert.equal(resumed.body.status, "succeeded");
  assert.equal(resumed.body.resumedFrom, run.id);
  const again = bookingRequests(stack, cal.apiKey).slice(asked.length);
  assert.equal(again.length, resumed.body.pages, "each remaining page asked for once");
  assert.equal(filters(again[0]), filters(asked[2]), "it starts at the page whose save failed");
  const saved = new Set(asked.slice(0, 2).map(filters));
  assert.ok(again.every((r) => !saved.has(filters(r))), "no saved page is asked for again");
  const pages = run.pages + resumed.body.pages;
  assert.ok(pages >= fullSyncPages(1200) && pages <= fullSyncPages(1200) + 1, `${pages} pages`);
  assert.equal(run.fetched + resumed.body.count, 1200, "each booking fetched once");
  assert.equal(run.created + resumed.body.created, 1200);
  await assertMirrors(stack, connectionId, cal);
});

Deno.test("a deadline that passes while the next page is fetched ends the run partial with that page saved", async () => {
  // The clock jumps an hour ahead (past the run's deadline) once Cal.com received the second request,
  // which the run sends ahead while it saves the first page.
  const jumpMs = 3_600_000;
  let jumpAfter = Infinity;
  let requestsSoFar = () => 0;
  const now = () => new Date(Date.now() + (requestsSoFar() >= jumpAfter ? jumpMs : 0));
  await using stack = await startTestStack({ apps: { sync: true }, clock: syncClock, deps: () => ({ now }) });
  const { user, cal, connectionId } = await connectedUser(stack, 1000, 62);
  requestsSoFar = () => bookingRequests(stack, cal.apiKey).length;

  jumpAfter = 2;
  const first = await postSync(user);
  jumpAfter = Infinity;
  assert.equal(first.status, 200);
  assert.equal(first.body.status, "partial");
  assert.equal(first.body.pages, 2, "the page fetched before the deadline is saved, the next not asked for");
  const run = await runRow(stack, first.body.syncRunId);
  assert.equal(run.status, "partial");
  assert.equal(run.pages, 2);
  assert.equal(await storedCount(stack, connectionId), first.body.count);
  assert.equal(bookingRequests(stack, cal.apiKey).length, 2, "no request was wasted");

  const rest = await postSync(user);
  assert.equal(rest.body.status, "succeeded");
  assert.equal(rest.body.resumedFrom, first.body.syncRunId);
  const requests = bookingRequests(stack, cal.apiKey);
  assert.equal(requests.length, first.body.pages + rest.body.pages, "one request per saved page");
  assert.equal(new Set(requests.map(filters)).size, requests.length, "no page asked for twice");
  assert.equal(first.body.count + rest.body.count, 1000, "each booking fetched once");
  assert.equal(first.body.created + rest.body.created, 1000);
  await assertMirrors(stack, connectionId, cal);
});
