import * as Y from "yjs";
import { NodeId, nodeName } from "./identity";
import { SHARD_COUNT } from "./keys";
import { Version } from "./lww";
import { PeerLink, PeerSession } from "./peerSession";
import { ShardedStore } from "./shards";
import { LogRow, UpdateLog } from "./updateLog";

const RESTORE = Symbol("restore");
type Origin = PeerSession | null;

interface PendingUpdate {
  readonly shard: number;
  readonly update: Uint8Array;
  readonly origin: Origin;
}

export interface ReplicaObserver {
  flushed(updates: number, waiters: number, seconds: number): void;
  compacted(shard: number): void;
}

export interface ReplicaOptions {
  readonly self: NodeId;
  readonly log: UpdateLog;
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
  private waiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private flushScheduled = false;
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
      doc.on("update", (update: Uint8Array, origin: unknown) => {
        if (origin === RESTORE) return;
        this.pending.push({ shard, update, origin: origin instanceof PeerSession ? origin : null });
        this.requestFlush();
      });
    });
  }

  /** Writes a document (value undefined deletes it); resolves once the write is durable here. */
  async write(collection: string, id: string, value: unknown | undefined): Promise<Version> {
    const version = this.store.write(collection, id, value);
    await new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.requestFlush();
    });
    return version;
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

  pendingCount(): number {
    return this.pending.length;
  }

  /** The group commit: one transaction for everything pending, then forward, then acknowledge. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0 && this.waiters.length === 0) return;
    const started = process.hrtime.bigint();
    const batch = this.pending;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    const rows = mergeByShard(batch);
    try {
      this.options.log.append(rows);
    } catch (error) {
      // Not durable, so not acknowledged; keep the updates for the next attempt.
      this.pending = batch.concat(this.pending);
      for (const waiter of waiters) waiter.reject(error as Error);
      return;
    }
    for (const session of this.sessions) {
      const fromThisPeer = batch.some((item) => item.origin === session);
      const updates = fromThisPeer ? mergeByShard(batch.filter((item) => item.origin !== session)) : rows;
      if (updates.length > 0) session.sendUpdates(updates);
    }
    for (const waiter of waiters) waiter.resolve();
    this.options.observer?.flushed(batch.length, waiters.length, Number(process.hrtime.bigint() - started) / 1e9);
    this.compactOne();
  }

  /** Persists and forwards what is pending, then drops the sessions (graceful shutdown). */
  close(): void {
    this.flush();
    this.sessions.clear();
    this.options.log.close();
  }

  private requestFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.scheduleFlush(() => this.flush());
  }

  private restore(doc: Y.Doc, shard: number): void {
    const stored = this.options.log.load(shard);
    if (stored.length === 0) return;
    Y.applyUpdate(doc, stored.length === 1 ? stored[0] : Y.mergeUpdates(stored), RESTORE);
    if (stored.length > 1) this.compact(shard);
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
    this.options.log.compact(shard, Y.encodeStateAsUpdate(this.store.docs[shard]));
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
