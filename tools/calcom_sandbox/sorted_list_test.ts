import assert from "node:assert/strict";
import { SortedList } from "./sorted_list.ts";

interface Item {
  id: number;
  key: number;
}

const make = () => new SortedList<Item>((x) => x.key, (x) => x.id);
const ids = (list: SortedList<Item>) => Array.from({ length: list.length }, (_, i) => list.at(i).id);

Deno.test("items stay sorted by key, ties by id, whether inserted one by one or in bulk", () => {
  const items = [{ id: 3, key: 5 }, { id: 1, key: 5 }, { id: 2, key: 1 }, { id: 4, key: 9 }];
  const one = make();
  for (const x of items) one.insert(x);
  const bulk = make();
  bulk.insertMany(items);
  assert.deepEqual(ids(one), [2, 1, 3, 4]);
  assert.deepEqual(ids(bulk), [2, 1, 3, 4]);
});

Deno.test("bounds find the first key at or after, and the first after, a value", () => {
  const list = make();
  list.insertMany([1, 3, 3, 3, 7].map((key, id) => ({ id, key })));
  assert.equal(list.lowerBound(3), 1);
  assert.equal(list.upperBound(3), 4);
  assert.equal(list.lowerBound(0), 0);
  assert.equal(list.upperBound(7), 5);
  assert.equal(list.lowerBound(4), 4);
  assert.equal(list.lowerBound(Infinity), 5);
});

Deno.test("remove and indexOf find an item by its current key and id", () => {
  const list = make();
  const items = [1, 2, 2, 3].map((key, id) => ({ id, key }));
  list.insertMany(items);
  assert.equal(list.indexOf(items[2]), 2);
  assert.equal(list.remove(items[1]), true);
  assert.equal(list.remove(items[1]), false);
  assert.equal(list.indexOf(items[1]), -1);
  assert.deepEqual(ids(list), [0, 2, 3]);
  // A re-keyed item must be removed before its key changes, then inserted again.
  list.remove(items[0]);
  items[0].key = 10;
  list.insert(items[0]);
  assert.deepEqual(ids(list), [2, 3, 0]);
});
