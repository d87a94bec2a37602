import * as Y from "yjs";
import { NodeId, nodeName } from "./identity";
import { SHARD_COUNT } from "./keys";
import { Slot, Version } from "./lww";
import { PeerLink, PeerSession } from "./peerSession";
import { ShardedStore } from "./shards";
import { DurableLog, LogRow } from "./updateLog";

const RESTORE = Symbol("restore");
type Origin = PeerSession | null;

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface QueuedWrite {
  readonly collection: string;
  readonly id: string;
  readonly value: unknown | undefined;
  readonly resolve: (version: Version) => void;
  readonly reject: (error: Error) => void;
}

interface PendingUpdate {
  readonly shard: number;
  readonly update: Uint8Array;
  readonly origin: Origin;
}

export interface ReplicaObserver {
  /** A group commit completed: Yjs updates persisted, writes acknowledged, seconds it took. */
  flushed(updates: number, writes: number, seconds: number): void;
  compacted(shard: number): void;
  storageFailed(error: Error): void;
  /** A peer's write arrived: milliseconds between its HLC wall time (the origin's clock) and now. */
  replicated(lagMs: number): void;
}

export interface ReplicaOptions {
  readonly self: NodeId;
  readonly log: DurableLog;
  readonly now?: () => number;
  /** Yjs client ids; the simulator passes a seeded source so runs replay exactly. */
  readonly newClientId?: () => number;
  /** How a group commit gets scheduled; the simulator flushes explicitly instead. */
  readonly scheduleFlush?: (flush: () => void) => void;
  /** Updates appended to a shard before it is compacted into a snapshot. */
  readonly compactAfterRows?: number;
  readonly observer?: ReplicaObserver;
}

/**
 * One node's replicated state: the sharded store, its durable log, and its peer sessions.
 * Writes are acknowledged only after the group commit that persists them; the same commit then
 * forwards the batch to peers, so nothing leaves the node before it is on disk here.
 */
export class Replica {
  readonly store: ShardedStore;
  readonly sessions = new Set<PeerSession>();
  private pending: PendingUpdate[] = [];
  private waiters: Waiter[] = [];
  private queued: QueuedWrite[] = [];
  private flushScheduled = false;
  private committing = false;
  private readonly now: () => number;
  private readonly scheduleFlush: (flush: () => void) => void;
  private readonly compactAfterRows: number;

  constructor(private readonly options: ReplicaOptions) {
    this.now = options.now ?? Date.now;
    this.scheduleFlush = options.scheduleFlush ?? setImmediate;
    this.compactAfterRows = options.compactAfterRows ?? 500;
    this.store = new ShardedStore(options.self, this.now, options.newClientId);
    options.log.claimOwner(nodeName(options.self));
    this.store.docs.forEach((doc, shard) => this.restore(doc, shard));
    this.store.docs.forEach((doc, shard) => {
      doc.on("afterTransaction", (transaction: Y.Transaction) => this.observeArrivals(transaction));
      doc.on("update", (update: Uint8Array, origin: unknown) => {
        if (origin === RESTORE) return;
        this.pending.push({ shard, update, origin: origin instanceof PeerSession ? origin : null });
        this.requestFlush();
      });
    });
  }

  /**
   * Writes a document (value undefined deletes it); resolves with its version once the write is
   * durable here. Writes wait for the next group commit, which applies them to the Yjs documents
   * together (one transaction per shard) and commits them.
   */
  write(collection: string, id: string, value: unknown | undefined): Promise<Version> {
    return new Promise((resolve, reject) => {
      this.queued.push({ collection, id, value, resolve, reject });
      this.requestFlush();
    });
  }

  connect(remote: string, link: PeerLink): PeerSession {
    const session = new PeerSession(remote, this.store.docs, link, this.now);
    this.sessions.add(session);
    session.start();
    return session;
  }

  disconnect(session: PeerSession): void {
    this.sessions.delete(session);
  }

  /** Sends every peer this node's state vectors and the names of the peers it is connected to. */
  reportState(): void {
    const connected = [...this.sessions].map((session) => session.remote);
    for (const session of this.sessions) session.sendState(connected);
  }

  /** Writes and peer updates not yet committed. */
  pendingCount(): number {
    return this.pending.length + this.queued.length;
  }

  /**
   * The group commit: one transaction for everything pending, then forward, then acknowledge.
   * While a commit is in flight, new writes gather for the next one, so batches grow with load.
   */
  flush(): void {
    this.flushScheduled = false;
    if (this.committing) return;
    this.applyQueued();
    if (this.pending.length === 0 && this.waiters.length === 0) return;
    const started = process.hrtime.bigint();
    const batch = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    const rows = mergeByShard(batch);
    let commit: void | Promise<void>;
    try {
      commit = this.options.log.append(rows);
    } catch (error) {
      return this.failed(batch, waiters, error as Error);
    }
    if (!(commit instanceof Promise)) return this.committed(batch, rows, waiters, started);
    this.committing = true;
    commit.then(
      () => {
        this.committing = false;
        this.committed(batch, rows, waiters, started);
        if (this.pending.length > 0 || this.queued.length > 0) this.requestFlush();
      },
      (error: Error) => {
        this.committing = false;
        this.failed(batch, waiters, error);
      },
    );
  }

  /**
   * Persists and forwards what is pending, then drops the sessions (graceful shutdown). Gives up
   * after `drainMs` if storage keeps failing: those writes were never acknowledged.
   */
  async close(drainMs = 5000): Promise<void> {
    const deadline = Date.now() + drainMs;
    while ((this.committing || this.pending.length > 0 || this.queued.length > 0) && Date.now() < deadline) {
      this.flush();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    this.sessions.clear();
    await this.options.log.close();
  }

  private applyQueued(): void {
    if (this.queued.length === 0) return;
    const writes = this.queued;
    this.queued = [];
    const versions = this.store.writeBatch(writes);
    writes.forEach((write, i) => this.waiters.push({ resolve: () => write.resolve(versions[i]), reject: write.reject }));
  }

  private committed(batch: PendingUpdate[], rows: LogRow[], waiters: Waiter[], started: bigint): void {
    for (const session of this.sessions) {
      // Relay what came from another peer unless this peer hears that one directly (full mesh).
      const wanted = batch.filter((item) => item.origin === null || (item.origin !== session && !session.hears(item.origin.remote)));
      const updates = wanted.length === batch.length ? rows : mergeByShard(wanted);
      if (updates.length > 0) session.sendUpdates(updates);
    }
    for (const waiter of waiters) waiter.resolve();
    this.options.observer?.flushed(batch.length, waiters.length, Number(process.hrtime.bigint() - started) / 1e9);
    this.compactOne();
  }

  /** Not durable, so not acknowledged; the updates stay queued for the next commit. */
  private failed(batch: PendingUpdate[], waiters: Waiter[], error: Error): void {
    this.pending = batch.concat(this.pending);
    for (const waiter of waiters) waiter.reject(error);
    this.options.observer?.storageFailed(error);
  }

  private observeArrivals(transaction: Y.Transaction): void {
    const observer = this.options.observer;
    if (!observer || !(transaction.origin instanceof PeerSession)) return;
    const now = this.now();
    // A writer map first seen in this very transaction is still a generic AbstractType (it becomes
    // a Y.Map on its first getMap), so read its entries through _map, which both share.
    for (const [type, keys] of transaction.changed) {
      for (const key of keys) {
        const item = key === null ? undefined : type._map.get(key);
        const slot = item && !item.deleted ? (item.content.getContent()[0] as Slot | undefined) : undefined;
        if (slot && typeof slot.w === "number") observer.replicated(now - slot.w);
      }
    }
  }

  private requestFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.scheduleFlush(() => this.flush());
  }

  /**
   * Applies the stored snapshot, then the updates appended since, merged into one. Merging the
   * snapshot in as well would re-encode the whole shard for nothing.
   */
  private restore(doc: Y.Doc, shard: number): void {
    const { snapshot, updates } = this.options.log.load(shard);
    if (snapshot) Y.applyUpdate(doc, snapshot, RESTORE);
    if (updates.length > 0) Y.applyUpdate(doc, updates.length === 1 ? updates[0] : Y.mergeUpdates(updates), RESTORE);
  }

  /** At most one shard per commit, so compaction never stalls a burst of writes for long. */
  private compactOne(): void {
    for (let shard = 0; shard < SHARD_COUNT; shard++) {
      if (this.options.log.pendingRows(shard) >= this.compactAfterRows) {
        this.compact(shard);
        return;
      }
    }
  }

  private compact(shard: number): void {
    const done = this.options.log.compact(shard, Y.encodeStateAsUpdate(this.store.docs[shard]));
    // A failed compaction loses nothing: the shard's updates stay in the log.
    if (done instanceof Promise) done.catch((error: Error) => this.options.observer?.storageFailed(error));
    this.options.observer?.compacted(shard);
  }
}

function mergeByShard(items: readonly PendingUpdate[]): LogRow[] {
  const byShard = new Map<number, Uint8Array[]>();
  for (const item of items) {
    const list = byShard.get(item.shard);
    if (list) list.push(item.update);
    else byShard.set(item.shard, [item.update]);
  }
  return [...byShard].map(([shard, updates]) => ({ shard, update: updates.length === 1 ? updates[0] : Y.mergeUpdates(updates) }));
}
