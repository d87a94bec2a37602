import { DurableLog, LogRow, StoredShard, UpdateLog } from "../updateLog";

/**
 * The simulator's disk: like the worker log, appends and compactions complete later, in order;
 * here "later" is when the schedule says so (`complete`). A crash loses whatever had not completed.
 */
export class DeferredLog implements DurableLog {
  private readonly queue: Array<{ run: () => void; resolve: () => void }> = [];

  constructor(private readonly log: UpdateLog) {}

  claimOwner(node: string): void {
    this.log.claimOwner(node);
  }

  load(shard: number): StoredShard {
    return this.log.load(shard);
  }

  pendingRows(shard: number): number {
    return this.log.pendingRows(shard);
  }

  append(rows: readonly LogRow[]): Promise<void> {
    return this.enqueue(() => this.log.append(rows));
  }

  compact(shard: number, snapshot: Uint8Array): Promise<void> {
    return this.enqueue(() => this.log.compact(shard, snapshot));
  }

  close(): void {
    this.completeAll();
  }

  /** Completes the oldest outstanding operation, if any. */
  complete(): void {
    const next = this.queue.shift();
    next?.run();
    next?.resolve();
  }

  completeAll(): void {
    while (this.queue.length > 0) this.complete();
  }

  outstanding(): number {
    return this.queue.length;
  }

  private enqueue(run: () => void): Promise<void> {
    return new Promise((resolve) => this.queue.push({ run, resolve }));
  }
}
