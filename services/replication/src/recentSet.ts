/**
 * The last `capacity` strings added, oldest dropped first: what a node remembers of envelopes it
 * accepted and commit roots it verified. A Set keeps insertion order, which is all this needs
 * (an LRU would also reorder on every hit, for nothing here: entries matter for seconds).
 */
export class RecentSet {
  private readonly entries = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(entry: string): boolean {
    return this.entries.has(entry);
  }

  add(entry: string): void {
    this.entries.add(entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.values().next().value as string);
  }
}
