/**
 * The last `capacity` strings added, oldest dropped first: what a node remembers of snapshots it
 * accepted and commit roots it verified. Not an LRU (lru-cache): a hit need not reorder anything,
 * entries matter for seconds.
 */
export class RecentSet {
  private readonly entries = new Set<string>();
  /** The entries in the order added, a ring: which to drop next without an iterator per add. */
  private readonly order: string[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  has(entry: string): boolean {
    return this.entries.has(entry);
  }

  add(entry: string): void {
    if (this.entries.has(entry)) return;
    if (this.order.length === this.capacity) this.entries.delete(this.order[this.next]);
    this.order[this.next] = entry;
    this.next = (this.next + 1) % this.capacity;
    this.entries.add(entry);
  }
}
