/**
 * The sandbox's event types by id, also listed per user as they are added, so a user's own event types
 * are found without walking every user's (the sweep benchmark's sandbox holds 10,000 users).
 *
 * @module
 */

/** A `Map` of event types by id that also keeps each user's, in the map's order. */
export class EventTypeMap<T extends { userId: number }> extends Map<number, T> {
  #byUser = new Map<number, T[]>();

  override set(id: number, eventType: T): this {
    const previous = this.get(id);
    super.set(id, eventType);
    const list = this.#byUser.get(eventType.userId);
    if (previous && previous.userId === eventType.userId && list) {
      // a replaced event type keeps its place, as the map keeps the key's
      list[list.indexOf(previous)] = eventType;
    } else if (previous) {
      // moved to another user (rare): list both users again in the map's order
      this.#relist(previous.userId);
      this.#relist(eventType.userId);
    } else if (list) list.push(eventType);
    else this.#byUser.set(eventType.userId, [eventType]);
    return this;
  }

  override delete(id: number): boolean {
    const previous = this.get(id);
    const deleted = super.delete(id);
    if (previous) {
      const list = this.#byUser.get(previous.userId)!;
      list.splice(list.indexOf(previous), 1);
    }
    return deleted;
  }

  override clear(): void {
    this.#byUser = new Map();
    super.clear();
  }

  /** The event types whose `userId` is `userId`, in the map's order. */
  ofUser(userId: number): readonly T[] {
    return this.#byUser.get(userId) ?? [];
  }

  #relist(userId: number): void {
    this.#byUser.set(userId, [...this.values()].filter((e) => e.userId === userId));
  }
}
