import assert from "node:assert/strict";
import { EventTypeMap } from "./event_type_map.ts";

const ids = (list: readonly { id: number }[]) => list.map((e) => e.id);

Deno.test("each user's event types are listed in the map's order, through set, replace and delete", () => {
  const map = new EventTypeMap<{ id: number; userId: number; title: string }>();
  for (const [id, userId] of [[1, 10], [2, 20], [3, 10], [4, 10]]) map.set(id, { id, userId, title: "a" });
  assert.deepEqual(ids(map.ofUser(10)), [1, 3, 4]);
  assert.deepEqual(ids(map.ofUser(20)), [2]);
  assert.deepEqual(ids(map.ofUser(30)), []);

  map.set(3, { id: 3, userId: 10, title: "b" });
  assert.deepEqual(map.ofUser(10).map((e) => [e.id, e.title]), [[1, "a"], [3, "b"], [4, "a"]]);

  map.set(1, { id: 1, userId: 20, title: "moved" });
  assert.deepEqual(ids(map.ofUser(10)), [3, 4]);
  assert.deepEqual(ids(map.ofUser(20)), [1, 2], "in the map's order: key 1 came first");

  map.delete(4);
  assert.deepEqual(ids(map.ofUser(10)), [3]);
  map.clear();
  assert.deepEqual(ids(map.ofUser(20)), []);
  // what every other reader of the map sees is a plain Map
  map.set(5, { id: 5, userId: 10, title: "c" });
  assert.deepEqual([...map.keys()], [5]);
});
