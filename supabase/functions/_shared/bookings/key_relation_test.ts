import assert from "node:assert/strict";
import { keyRelationOf } from "./key_relation.ts";

const dana = { id: 512, email: "dana@example.com" };
const attendee = (email: string | null) => ({
  name: null,
  email,
  timeZone: null,
  language: null,
  phoneNumber: null,
});

Deno.test("the key's user hosting a booking is its organizer, by id before email", () => {
  const row = { organizer_id: 512, organizer_email: "other@example.com", attendees: [] };
  assert.equal(keyRelationOf(row, dana), "organizer");
  assert.equal(keyRelationOf({ ...row, organizer_id: 7, organizer_email: dana.email }, dana), "team");
});

Deno.test("without an organizer id the organizer is matched by email, in any case", () => {
  const row = { organizer_id: null, organizer_email: " Dana@Example.com", attendees: [] };
  assert.equal(keyRelationOf(row, dana), "organizer");
});

Deno.test("a booking another user hosts with the key's email among its attendees is attended", () => {
  const row = {
    organizer_id: 7,
    organizer_email: "erin@example.com",
    attendees: [attendee("sam@example.org"), attendee("DANA@example.com")],
  };
  assert.equal(keyRelationOf(row, dana), "attendee");
});

Deno.test("a booking the key's user neither hosts nor attends is read through a team", () => {
  const row = { organizer_id: 7, organizer_email: "erin@example.com", attendees: [attendee(null)] };
  assert.equal(keyRelationOf(row, dana), "team");
});

Deno.test("a source that names no organizer, or a key without an email, cannot tell", () => {
  const orphan = { organizer_id: null, organizer_email: null, attendees: [attendee("sam@example.org")] };
  assert.equal(keyRelationOf(orphan, dana), null);
  assert.equal(keyRelationOf({ ...orphan, attendees: [attendee(dana.email)] }, dana), "attendee");
  const hosted = { organizer_id: 7, organizer_email: "erin@example.com", attendees: [] };
  assert.equal(keyRelationOf(hosted, { id: 512, email: null }), null);
  assert.equal(keyRelationOf({ ...hosted, organizer_id: 512 }, { id: 512, email: null }), "organizer");
});
