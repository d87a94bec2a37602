import { extname, join } from "node:path";
import { Worker } from "node:worker_threads";
import { DurableLog, GrowthCounters, LogBatch, LogRow, ShardGrowth, StoredWriterShard, UpdateLog } from "./updateLog";

type LogRequest = { op: "append"; batch: LogBatch } | { op: "close" };
export type LogCommand = LogRequest & { id: number };
export type LogReply = { id: number; error?: string };

/**
 * The update log with its commits on a worker thread. An fsync takes milliseconds on this disk and
 * better-sqlite3 is synchronous: on the main thread it would stop HTTP and peer traffic for every
 * group commit. Here the main thread keeps serving while the worker commits; reads (startup and
 * catch-up) use a connection of their own. The worker handles commands one at a time, in order.
 */
export class WorkerLog implements DurableLog {
  private readonly reader: UpdateLog;
  private readonly worker: Worker;
  private readonly counters: GrowthCounters;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private dead: Error | undefined;

  constructor(path: string) {
    this.reader = UpdateLog.open(path);
    this.counters = this.reader.counters;
    const typescript = extname(__filename) === ".ts";
    this.worker = new Worker(join(__dirname, `commitWorker${extname(__filename)}`), {
      workerData: { path },
      execArgv: typescript ? ["-r", "ts-node/register/transpile-only"] : [],
    });
    this.worker.on("message", (reply: LogReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.error) waiter?.reject(new Error(reply.error));
      else waiter?.resolve();
    });
    this.worker.on("error", (error) => this.failAll(error));
    this.worker.on("exit", (code) => this.failAll(new Error(`commit worker exited with code ${code}`)));
  }

  claimOwner(node: string): void {
    this.reader.claimOwner(node);
  }

  loadAll(): StoredWriterShard[] {
    return this.reader.loadAll();
  }

  credentials(): Uint8Array[] {
    return this.reader.credentials();
  }

  envelopes(writer: string, shard: number): Uint8Array[] {
    return this.reader.envelopes(writer, shard);
  }

  growth(writer: string, shard: number): ShardGrowth {
    return { ...this.counters.of(writer, shard) };
  }

  append(batch: LogBatch): Promise<void> {
    this.counters.count(batch);
    const { rows, buffer } = packRows(batch.rows);
    return this.send({ op: "append", batch: { ...batch, rows } }, [buffer]);
  }

  async close(): Promise<void> {
    await this.send({ op: "close" });
    await this.worker.terminate();
    this.reader.close();
  }

  private send(command: LogRequest, transfer: ArrayBuffer[] = []): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.dead) return reject(this.dead);
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...command, id }, transfer);
    });
  }

  private failAll(error: Error): void {
    this.dead = error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

/**
 * The rows' envelopes copied into one buffer that is handed to the worker, not cloned. Cloning a
 * Uint8Array clones all of the buffer it views, and a received envelope views the whole peer frame
 * it came in (a catch-up frame is up to 1 MiB): each row of a frame copied the frame again.
 */
export function packRows(rows: readonly LogRow[]): { rows: LogRow[]; buffer: ArrayBuffer } {
  const packed = new Uint8Array(rows.reduce((sum, row) => sum + row.envelope.byteLength, 0));
  let offset = 0;
  const placed = rows.map((row) => {
    packed.set(row.envelope, offset);
    offset += row.envelope.byteLength;
    return { ...row, envelope: packed.subarray(offset - row.envelope.byteLength, offset) };
  });
  return { rows: placed, buffer: packed.buffer };
}
