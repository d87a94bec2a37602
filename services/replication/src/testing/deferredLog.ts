import { DurableLog, LogBatch, ShardGrowth, StoredWriterShard, UpdateLog } from "../updateLog";

/**
 * The simulator's disk: like the worker log, appends complete later, in order; here "later" is
 * when the schedule says so (`complete`). A crash loses whatever had not completed.
 */
export class DeferredLog implements DurableLog {
  private readonly queue: Array<{ run: () => void; resolve: () => void }> = [];

  constructor(private readonly log: UpdateLog) {}

  claimOwner(node: string): void {
    this.log.claimOwner(node);
  }

  loadAll(): StoredWriterShard[] {
    return this.log.loadAll();
  }

  credentials(): Uint8Array[] {
    return this.log.credentials();
  }

  envelopes(writer: string, shard: number): Uint8Array[] {
    return this.log.envelopes(writer, shard);
  }

  growth(writer: string, shard: number): ShardGrowth {
    return this.log.growth(writer, shard);
  }

  append(batch: LogBatch): Promise<void> {
    return this.enqueue(() => this.log.append(batch));
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
