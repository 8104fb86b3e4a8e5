/**
 * An array kept sorted by a numeric key (ties broken by a numeric id), so range queries on that key
 * are two binary searches and a page is a slice: what keeps listing 100,000 bookings cheap.
 *
 * @module
 */

/** Items sorted by `key`, then `id`. Keys must not change while an item is in the list. */
export class SortedList<T> {
  #items: T[] = [];
  readonly #key: (item: T) => number;
  readonly #id: (item: T) => number;

  constructor(key: (item: T) => number, id: (item: T) => number) {
    this.#key = key;
    this.#id = id;
  }

  /** Number of items. */
  get length(): number {
    return this.#items.length;
  }

  /** The item at sorted position `i`. */
  at(i: number): T {
    return this.#items[i];
  }

  /** First position whose item is not before (`key`, `id`). */
  #search(key: number, id: number): number {
    let lo = 0;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.#items[mid];
      const k = this.#key(m);
      if (k < key || (k === key && this.#id(m) < id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position with key >= `key`. */
  lowerBound(key: number): number {
    return this.#search(key, -Infinity);
  }

  /** First position with key > `key`. */
  upperBound(key: number): number {
    return this.#search(key, Infinity);
  }

  /** Inserts one item in order: O(log n) search plus an array shift. */
  insert(item: T): void {
    this.#items.splice(this.#search(this.#key(item), this.#id(item)), 0, item);
  }

  /** Removes `item`, found by its current key and id; false if it is not in the list. */
  remove(item: T): boolean {
    const i = this.#search(this.#key(item), this.#id(item));
    if (this.#items[i] !== item) return false;
    this.#items.splice(i, 1);
    return true;
  }

  /** Adds many items with one sort instead of one shift per item. */
  insertMany(items: T[]): void {
    for (const item of items) this.#items.push(item);
    const key = this.#key;
    const id = this.#id;
    this.#items.sort((a, b) => key(a) - key(b) || id(a) - id(b));
  }

  /** Sorted position of `item`, or -1 if it is not in the list. */
  indexOf(item: T): number {
    const i = this.#search(this.#key(item), this.#id(item));
    return this.#items[i] === item ? i : -1;
  }
}
