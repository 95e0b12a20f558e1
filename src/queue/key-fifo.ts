// A FIFO of (key, ticket) slots with an index pointer instead of Array.shift(), which is O(n) and
// dominates once thousands of keys are queued (a resync). Slots are never removed from the middle:
// the queue invalidates a slot by giving its key a new ticket and skips stale slots when popping.

export interface FifoSlot<K> {
  readonly key: K;
  readonly ticket: number;
}

export class KeyFifo<K> {
  private slots: FifoSlot<K>[] = [];
  /** Index of the oldest live slot; slots before it have been popped. */
  private head = 0;

  push(slot: FifoSlot<K>): void {
    this.slots.push(slot);
  }

  shift(): FifoSlot<K> | undefined {
    const slot = this.slots[this.head];
    if (slot === undefined) return undefined;
    this.head++;
    // Compact once the popped prefix dominates, keeping shift amortised O(1) and memory bounded.
    if (this.head >= 1024 && this.head * 2 >= this.slots.length) {
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }
    return slot;
  }

  clear(): void {
    this.slots = [];
    this.head = 0;
  }
}
