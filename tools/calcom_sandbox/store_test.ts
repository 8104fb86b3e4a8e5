import assert from "node:assert/strict";
import { newBookingRow } from "./new_booking_row.ts";
import { type BookingRecord, Store, type UserRecord } from "./store.ts";

function user(id: number, email: string): UserRecord {
  return {
    id,
    username: `u${id}`,
    email,
    name: null,
    timeZone: "UTC",
    timeFormat: 24,
    weekStart: "Monday",
    defaultScheduleId: null,
    locale: "en",
  };
}

function booking(
  id: number,
  userId: number,
  updatedAt: number,
  attendeeEmails: string[] = [],
): BookingRecord {
  return newBookingRow({
    id,
    uid: `uid${id}`,
    userId,
    eventTypeId: null,
    title: "t",
    description: null,
    startTime: id * 1000,
    endTime: id * 1000 + 500,
    createdAt: updatedAt,
    updatedAt,
    status: "ACCEPTED",
    location: null,
    metadata: {},
    responses: {},
    attendees: attendeeEmails.map((email, i) => ({
      id: id * 10 + i,
      name: email,
      email,
      timeZone: "UTC",
      locale: "en",
      phoneNumber: null,
      noShow: false,
    })),
    creationSource: "API_V2",
  });
}

const updatedOrder = (store: Store, userId: number) => {
  const list = store.index(userId).byUpdated;
  return Array.from({ length: list.length }, (_, i) => list.at(i).id);
};

Deno.test("an update moves the booking in the updatedAt index and keeps the other indexes", () => {
  const store = new Store();
  store.addUser(user(1, "host@example.com"));
  store.insertBookings([booking(1, 1, 100), booking(2, 1, 200), booking(3, 1, 300)]);
  store.update(store.bookingsByUid.get("uid1")!, 400, (b) => (b.status = "CANCELLED"));
  assert.deepEqual(updatedOrder(store, 1), [2, 3, 1]);
  assert.equal(store.index(1).byStart.length, 3);
  assert.equal(store.bookingsByUid.get("uid1")!.updatedAt, 400);
});

Deno.test("attendees who are users see the booking, also when they join later or sign up later", () => {
  const store = new Store();
  store.addUser(user(1, "host@example.com"));
  store.addUser(user(2, "guest@example.com"));
  store.insertBookings([booking(1, 1, 100, ["guest@example.com"]), booking(2, 1, 100)]);
  assert.deepEqual(updatedOrder(store, 2), [1]);

  store.update(store.bookingsByUid.get("uid2")!, 150, (b) => {
    b.attendees.push({ ...booking(9, 1, 0, ["Guest@Example.com"]).attendees[0] });
  });
  assert.deepEqual(updatedOrder(store, 2), [1, 2]);
  assert.equal(store.index(2).byStart.length, 2);

  store.update(store.bookingsByUid.get("uid2")!, 160, (b) => (b.attendees = []));
  assert.deepEqual(updatedOrder(store, 2), [1]);
  assert.equal(store.index(2).byStart.length, 1);

  store.addUser(user(3, "late@example.com"));
  store.insertBookings([booking(3, 1, 200, ["late@example.com"])]);
  store.addUser(user(4, "later@example.com"));
  assert.deepEqual(updatedOrder(store, 4), []);
  assert.equal(store.canView(3, store.bookingsByUid.get("uid3")!), true);
  assert.equal(store.canView(2, store.bookingsByUid.get("uid3")!), false);
});

Deno.test("a null updatedAt sorts after every value", () => {
  const store = new Store();
  store.addUser(user(1, "host@example.com"));
  const old = booking(1, 1, 0);
  old.updatedAt = null;
  store.insertBookings([old, booking(2, 1, 500)]);
  assert.deepEqual(updatedOrder(store, 1), [2, 1]);
});
