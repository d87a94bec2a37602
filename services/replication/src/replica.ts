import { hash, randomInt } from "node:crypto";
import * as Y from "yjs";
import { Envelope, EnvelopeContent, KIND_SNAPSHOT, KIND_UPDATE, openEnvelope, sealEnvelopes, signedStatement } from "./dataFrames";
import { NodeId, nodeName, parseNodeName } from "./identity";
import { SHARD_COUNT } from "./keys";
import { Version } from "./lww";
import { PeerLink, PeerSession, SessionHost } from "./peerSession";
import { RecentSet } from "./recentSet";
import { ShardedStore, WriterDocs } from "./shards";
import { MAX_COUNTER } from "./slotShape";
import { clientGroupsBeyond, decodeUpdate, GuardLimits, inspectStructs, UpdateRefusal } from "./updateGuard";
import { DurableLog, LogRow } from "./updateLog";
import { DirectoryTrust, KeyDirectory, WriterTrust } from "./writerTrust";

const RESTORE = Symbol("restore");
/** Documents a state report may scan to compute shard digests afresh (at least one shard's worth). */
const DIGEST_DOCS_PER_REPORT = 20_000;
/** Hashes of the snapshots (and version 1 envelopes) accepted last, to drop the copies that follow (relays, catch-up from two peers). */
const RECENT_ENVELOPES = 8192;
/**
 * How long a commit of peers' envelopes alone may wait for more: they are applied (readable) on
 * arrival and no client waits on their commit, so gathering a few frames into one commit saves
 * an fsync, a hand-over to the commit worker and a forwarding pass each.
 */
const PEER_COMMIT_DELAY_MS = 5;
/** Commit roots whose signature checked, by writer: the rest of a commit's envelopes need no ECDSA. */
const RECENT_ROOTS = 4096;

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

/** A signed envelope waiting for the next group commit; `origin` null for this node's own. */
interface PendingEnvelope {
  readonly envelope: Envelope;
  readonly origin: PeerSession | null;
  readonly dropRows: boolean;
}

/** Why a peer's envelope or certificate was refused (each a metric label). */
export type Refusal = UpdateRefusal | "bad_signature" | "unknown_writer" | "bad_credential" | "apply_failed";

export interface ReplicaObserver {
  /** A group commit completed: envelopes persisted, writes acknowledged, seconds it took. */
  flushed(updates: number, writes: number, seconds: number): void;
  compacted(shard: number): void;
  storageFailed(error: Error): void;
  /** A peer's write arrived: milliseconds between its HLC wall time (the origin's clock) and now. */
  replicated(lagMs: number): void;
  /** A peer's envelope (or certificate) was refused before anything of it was applied. */
  refused?(reason: Refusal, peer: string, writer: string, detail: string): void;
  /** A slot read from the CRDT failed its shape check and was ignored. */
  badSlot?(writer: string, key: string, detail: string): void;
  /** Anti-entropy: equal state vectors, different digests (`persistent` after a resync did not cure it). */
  digestMismatch?(peer: string, shard: number, persistent: boolean): void;
  /** An error in a commit, a forward or a compaction that was caught instead of killing the process. */
  internalError?(error: Error, where: string): void;
}

export interface ReplicaLimits {
  /** How far a version's wall clock may be ahead of this node's time (ms). */
  readonly maxClockSkewMs: number;
  readonly maxCounter: number;
  /** Largest document value in bytes of JSON (the HTTP body limit). */
  readonly maxValueBytes: number;
  /** Most Yjs client ids one writer's document of one shard may hold. */
  readonly maxClientsPerWriterShard: number;
}

export const DEFAULT_LIMITS: ReplicaLimits = {
  maxClockSkewMs: 5 * 60_000,
  maxCounter: MAX_COUNTER,
  maxValueBytes: 256 * 1024,
  maxClientsPerWriterShard: 64,
};

export interface ReplicaOptions {
  readonly self: NodeId;
  readonly log: DurableLog;
  /** Signs this node's envelopes and checks everyone's; a throwaway key that trusts no one else by default. */
  readonly trust?: WriterTrust;
  readonly now?: () => number;
  /** Yjs client ids for this node's fresh documents; the simulator passes a seeded source so runs replay exactly. */
  readonly newClientId?: () => number;
  /** How a group commit gets scheduled; the simulator flushes explicitly instead. */
  readonly scheduleFlush?: (flush: () => void) => void;
  /** Update envelopes stored for one of this node's documents before it is compacted into a signed snapshot. */
  readonly compactAfterRows?: number;
  /** Bytes of update envelopes stored for one document before it is compacted (or its snapshot's size, if larger). */
  readonly compactAfterBytes?: number;
  readonly limits?: Partial<ReplicaLimits>;
  /** Anti-entropy: digests go with every n-th state report. */
  readonly digestEveryReports?: number;
  readonly observer?: ReplicaObserver;
}

/**
 * One node's replicated state: the per-writer sharded store, its durable log, its peer sessions.
 * Writes are acknowledged only after the group commit that persists them; the same commit then
 * forwards the batch to peers, so nothing leaves the node before it is on disk here.
 *
 * Every update of writer X's documents travels as an envelope signed by X. A received envelope is
 * applied only if X's signature checks and its content passes the guard (slot shape, clock skew,
 * counter range, value size, client ids); it then goes into X's own documents and nowhere else,
 * so no writer can touch another's entries. Nothing in this class throws into the event loop:
 * a failure is counted and logged, and the process goes on.
 */
export class Replica implements SessionHost {
  readonly store: ShardedStore;
  readonly sessions = new Set<PeerSession>();
  readonly trust: WriterTrust;
  private pending: PendingEnvelope[] = [];
  /** This node's own updates and snapshots since the last commit, signed together when it starts. */
  private unsigned: Array<EnvelopeContent & { dropRows: boolean }> = [];
  private newCredentials: Array<{ writer: string; credential: Uint8Array }> = [];
  private waiters: Waiter[] = [];
  private queued: QueuedWrite[] = [];
  private flushScheduled = false;
  private peerFlushScheduled = false;
  private committing = false;
  private reports = 0;
  /** The changed shard whose digest the next report computes first. */
  private digestTurn = 0;
  private readonly compacting = new Set<number>();
  private readonly recentEnvelopes = new RecentSet(RECENT_ENVELOPES);
  private readonly verifiedRoots = new RecentSet(RECENT_ROOTS);
  private readonly observed = new Set<WriterDocs>();
  private readonly mismatches = new Map<string, number>();
  private readonly refusalCounts = new Map<Refusal, number>();
  private badSlotCount = 0;
  private internalErrorCount = 0;
  private readonly now: () => number;
  private readonly scheduleFlush: (flush: () => void) => void;
  private readonly schedulePeerFlush: (flush: () => void) => void;
  private readonly compactAfterRows: number;
  private readonly compactAfterBytes: number;
  private readonly limits: ReplicaLimits;
  private readonly digestEvery: number;

  constructor(private readonly options: ReplicaOptions) {
    this.now = options.now ?? Date.now;
    this.scheduleFlush = options.scheduleFlush ?? setImmediate;
    this.schedulePeerFlush = options.scheduleFlush ?? ((flush) => setTimeout(flush, PEER_COMMIT_DELAY_MS));
    this.compactAfterRows = options.compactAfterRows ?? 500;
    this.compactAfterBytes = options.compactAfterBytes ?? 8 * 1024 * 1024;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.digestEvery = Math.max(1, options.digestEveryReports ?? 10);
    const self = nodeName(options.self);
    this.trust = options.trust ?? new DirectoryTrust(self, new KeyDirectory([self]));
    if (this.trust.self !== self) throw new Error(`this node is ${self} but its certificate names ${this.trust.self}`);
    this.store = new ShardedStore(options.self, this.now, (writer, key, detail) => {
      this.badSlotCount++;
      options.observer?.badSlot?.(writer, key, detail);
    });
    options.log.claimOwner(self);
    for (const credential of options.log.credentials()) this.trust.learn(credential);
    this.restore();
    this.store.adoptClientIds(options.newClientId ?? (() => randomInt(1, 2 ** 31)));
    this.store.own.docs.forEach((doc, shard) => {
      doc.on("update", (update: Uint8Array, origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
        if (origin === RESTORE || origin instanceof PeerSession) return;
        this.unsigned.push({ kind: KIND_UPDATE, shard, update, ends: endsSince(transaction.afterState, transaction.beforeState), dropRows: false });
        this.requestFlush();
      });
    });
    for (const writer of this.store.writers.values()) this.observeArrivals(writer);
  }

  /**
   * Writes a document (value undefined deletes it); resolves with its version once the write is
   * durable here. Writes wait for the next group commit, which applies them to the Yjs documents
   * together (one transaction, so one signature, per shard) and commits them.
   */
  write(collection: string, id: string, value: unknown | undefined): Promise<Version> {
    return new Promise((resolve, reject) => {
      this.queued.push({ collection, id, value, resolve, reject });
      this.requestFlush();
    });
  }

  connect(remote: string, link: PeerLink): PeerSession {
    const session = new PeerSession(remote, this, link, this.now);
    this.sessions.add(session);
    session.start();
    return session;
  }

  disconnect(session: PeerSession): void {
    this.sessions.delete(session);
  }

  /** Sends every peer this node's state vectors and connected peers; every few reports, per-shard digests too. */
  reportState(): void {
    const connected = [...this.sessions].map((session) => session.remote);
    const digests = ++this.reports % this.digestEvery === 0 ? this.reportedDigests() : [];
    for (const session of this.sessions) this.guard("report", () => session.sendState(connected, digests));
  }

  /**
   * The shard digests a report carries: every one still cached, and a bounded number of changed
   * shards computed afresh, in turn. Computing all of them at once scans every document (80 ms at
   * 100,000, a stall the convergence p99 showed under load); a quiet store is fully covered
   * within a report or two, a busy one within SHARD_COUNT reports. Counted in documents, not
   * time, so that simulated runs replay exactly.
   */
  private reportedDigests(): Array<{ shard: number; digest: string }> {
    let budget = Math.max(1, Math.floor((SHARD_COUNT * DIGEST_DOCS_PER_REPORT) / Math.max(1, this.store.keyCount())));
    const digests: Array<{ shard: number; digest: string }> = [];
    for (let i = 0; i < SHARD_COUNT; i++) {
      const shard = (this.digestTurn + i) % SHARD_COUNT;
      let digest = this.store.cachedShardDigest(shard);
      if (digest === undefined && budget > 0) {
        digest = this.store.shardDigest(shard);
        budget--;
        this.digestTurn = (shard + 1) % SHARD_COUNT;
      }
      if (digest !== undefined) digests.push({ shard, digest });
    }
    return digests.sort((a, b) => a.shard - b.shard);
  }

  /** Writes and peer updates not yet committed. */
  pendingCount(): number {
    return this.pending.length + this.unsigned.length + this.queued.length;
  }

  /**
   * What the watcher's integrity detector reads (also in the status JSON): refused peer updates by
   * reason, clock breaches among them, slots ignored for their shape, caught internal errors, and
   * the peers whose digests still differ under equal state vectors after a resync.
   */
  integrity(): { refusedUpdates: Record<string, number>; clockBreaches: number; badSlots: number; internalErrors: number; divergedPeers: string[] } {
    const refusedUpdates = Object.fromEntries([...this.refusalCounts].sort());
    const clockBreaches = (this.refusalCounts.get("clock_ahead") ?? 0) + (this.refusalCounts.get("counter_range") ?? 0);
    return { refusedUpdates, clockBreaches, badSlots: this.badSlotCount, internalErrors: this.internalErrorCount, divergedPeers: this.divergedPeers() };
  }

  /** Peers whose digests still differ from this node's under equal state vectors after a resync. */
  divergedPeers(): string[] {
    return [...new Set([...this.mismatches].filter(([, n]) => n >= 2).map(([key]) => key.split("\n")[0]))].sort();
  }

  /**
   * The group commit: one transaction for everything pending, then forward, then acknowledge.
   * While a commit is in flight, new writes gather for the next one, so batches grow with load.
   */
  flush(): void {
    this.flushScheduled = false;
    if (this.committing) return;
    this.guard("apply", () => this.applyQueued());
    try {
      this.sealOwn();
    } catch (error) {
      return this.signingFailed(error as Error);
    }
    if (this.pending.length === 0 && this.waiters.length === 0 && this.newCredentials.length === 0) return;
    const started = process.hrtime.bigint();
    const batch = this.pending;
    const waiters = this.waiters;
    const credentials = this.newCredentials;
    this.pending = [];
    this.waiters = [];
    this.newCredentials = [];
    const rows: LogRow[] = batch.map(({ envelope, dropRows }) => ({
      writer: envelope.writer,
      shard: envelope.shard,
      envelope: envelope.bytes,
      snapshot: envelope.kind === KIND_SNAPSHOT,
      dropRows,
    }));
    let commit: void | Promise<void>;
    try {
      commit = this.options.log.append({ rows, credentials });
    } catch (error) {
      return this.failed(batch, credentials, waiters, error as Error);
    }
    if (!(commit instanceof Promise)) return this.committed(batch, waiters, started);
    this.committing = true;
    commit.then(
      () => {
        this.committing = false;
        this.guard("commit", () => this.committed(batch, waiters, started));
        if (this.pendingCount() > 0) this.requestFlush();
      },
      (error: Error) => {
        this.committing = false;
        this.guard("commit", () => this.failed(batch, credentials, waiters, error));
      },
    );
  }

  /**
   * Persists and forwards what is pending, then drops the sessions (graceful shutdown). Gives up
   * after `drainMs` if storage keeps failing: those writes were never acknowledged.
   */
  async close(drainMs = 5000): Promise<void> {
    const deadline = Date.now() + drainMs;
    while ((this.committing || this.pendingCount() > 0) && Date.now() < deadline) {
      this.flush();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    this.sessions.clear();
    await this.options.log.close();
  }

  // SessionHost: what peer sessions call.

  *docs(): Iterable<{ writer: string; shard: number; doc: Y.Doc }> {
    for (const writer of this.store.writers.values()) for (let shard = 0; shard < SHARD_COUNT; shard++) yield { writer: writer.name, shard, doc: writer.docs[shard] };
  }

  credentials(): Uint8Array[] {
    return this.trust.credentials();
  }

  storedEnvelopes(writer: string, shard: number): Uint8Array[] {
    try {
      return this.options.log.envelopes(writer, shard);
    } catch (error) {
      this.options.observer?.storageFailed(error as Error);
      return [];
    }
  }

  shardDigest(shard: number): string {
    return this.store.shardDigest(shard);
  }

  get self(): string {
    return this.store.own.name;
  }

  ownUpdatesSince(wanted: ReadonlyArray<{ shard: number; theirs: ReadonlyMap<number, number> }>): Uint8Array[] {
    const contents = wanted.map(({ shard, theirs }) => {
      const doc = this.store.own.docs[shard];
      const update = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(theirs as Map<number, number>));
      return { kind: KIND_UPDATE, shard, update, ends: endsSince(Y.decodeStateVector(Y.encodeStateVector(doc)), theirs) } as const;
    });
    return sealEnvelopes(this.self, contents, (data) => this.trust.sign(data)).map((envelope) => envelope.bytes);
  }

  digestCompared(peer: string, shard: number, matched: boolean): "resync" | "report" | "none" {
    const key = `${peer}\n${shard}`;
    if (matched) {
      this.mismatches.delete(key);
      return "none";
    }
    const count = (this.mismatches.get(key) ?? 0) + 1;
    this.mismatches.set(key, count);
    this.options.observer?.digestMismatch?.(peer, shard, count >= 2);
    return count === 1 ? "resync" : "report";
  }

  learnCredential(credential: Uint8Array, from: PeerSession): void {
    const known = new Set(this.trust.credentials().map((c) => Buffer.from(c).toString("base64")));
    const learned = this.trust.learn(credential);
    if ("refused" in learned) return this.refuse("bad_credential", from, "?", learned.refused);
    if (known.has(Buffer.from(credential).toString("base64"))) return;
    // A writer this node had not heard of (or a renewed certificate): keep it and pass it on first,
    // so the envelopes relayed after it can be checked downstream.
    this.newCredentials.push({ writer: learned.writer, credential });
    for (const session of this.sessions) if (session !== from) session.sendCredentials([credential]);
    this.requestFlush();
  }

  receiveEnvelope(bytes: Uint8Array, from: PeerSession): void {
    this.guard("receive", () => this.accept(bytes, from));
  }

  private accept(bytes: Uint8Array, from: PeerSession): void {
    let envelope: Envelope;
    try {
      envelope = openEnvelope(bytes);
    } catch (error) {
      return this.refuse("malformed", from, "?", (error as Error).message);
    }
    const { writer: name, shard } = envelope;
    // A copy of a snapshot accepted moments ago (a whole shard, kept even when it adds nothing, see
    // below) or of a version 1 envelope (no ends to tell a duplicate by) costs a hash, not a decode.
    // By the whole envelope's hash: a forgery under a genuine signature is still checked and counted.
    const seen = envelope.kind === KIND_SNAPSHOT || !envelope.ends ? hash("sha256", bytes, "base64") : undefined;
    if (seen !== undefined && this.recentEnvelopes.has(seen)) return;
    const flood = clientGroupsBeyond(envelope.update, this.limits.maxClientsPerWriterShard);
    if (flood) return this.refuse(flood.reason, from, name, flood.detail);
    if (!parseNodeName(name) || !this.trust.knows(name)) return this.refuse("unknown_writer", from, name, "no certificate of the federation CA names this writer");
    const writer = this.store.writer(name) as WriterDocs;
    const doc = writer.docs[shard];
    const known = Y.decodeStateVector(Y.encodeStateVector(doc));
    // A duplicate (relays, catch-up overlapping the live stream) costs no signature check, and by
    // the ends the writer signed, no decode either. A snapshot that covers everything here is kept,
    // though: it lets this node compact the writer's rows.
    const duplicate = (ends: ReadonlyMap<number, number>) => !addsOperations(ends, known) && !(envelope.kind === KIND_SNAPSHOT && coveredBy(doc, ends));
    if (envelope.ends && duplicate(envelope.ends)) return;
    // Decoded once for the snapshot test and the guard (a snapshot is a whole shard).
    const decoded = decodeUpdate(envelope.update);
    if ("ok" in decoded) return this.refuse(decoded.reason, from, name, decoded.detail);
    if (envelope.ends && !sameEnds(envelope.ends, decoded.ends)) return this.refuse("malformed", from, name, "the clock ends the envelope names are not its update's");
    if (!envelope.ends && duplicate(decoded.ends)) return;
    const adds = addsOperations(decoded.ends, known);
    if (!this.authentic(envelope)) return this.refuse("bad_signature", from, name, "signature does not check against the writer's certificate");
    if (!adds) {
      // A snapshot of exactly what this node holds (every struct of it was checked on arrival):
      // nothing to apply, only the writer's rows to compact and the snapshot to pass on.
      this.remember(seen);
      this.pending.push({ envelope, origin: from, dropRows: true });
      return this.requestPeerFlush();
    }
    const verdict = inspectStructs(decoded, shard, known, {
      maxWall: this.now() + this.limits.maxClockSkewMs,
      maxCounter: this.limits.maxCounter,
      maxValueBytes: this.limits.maxValueBytes,
      maxClients: this.limits.maxClientsPerWriterShard,
    } satisfies GuardLimits);
    if (!verdict.ok) return this.refuse(verdict.reason, from, name, verdict.detail);
    this.observeArrivals(writer);
    try {
      Y.applyUpdate(doc, envelope.update, from);
    } catch (error) {
      return this.refuse("apply_failed", from, name, (error as Error).message);
    }
    const dropRows = envelope.kind === KIND_SNAPSHOT && coveredBy(doc, decoded.ends);
    this.remember(seen);
    this.pending.push({ envelope, origin: from, dropRows });
    this.requestPeerFlush();
  }

  private remember(envelopeHash: string | undefined): void {
    if (envelopeHash !== undefined) this.recentEnvelopes.add(envelopeHash);
  }

  /**
   * Whether the writer signed this envelope: its commit root checked once (a few hashes for the
   * rest of the commit), one ECDSA verification otherwise. Only a root whose signature checked is
   * remembered, and an envelope reaches a remembered root only if it is one of that commit's.
   */
  private authentic(envelope: Envelope): boolean {
    const statement = signedStatement(envelope);
    if (!statement) return false;
    const root = envelope.proof ? `${envelope.writer}\n${Buffer.from(statement).toString("base64")}` : undefined;
    if (root !== undefined && this.verifiedRoots.has(root)) return true;
    if (!this.trust.verify(envelope.writer, statement, envelope.signature)) return false;
    if (root !== undefined) this.verifiedRoots.add(root);
    return true;
  }

  /** One signature for everything this node wrote since the last commit (commitTree.ts). */
  private sealOwn(): void {
    if (this.unsigned.length === 0) return;
    const contents = this.unsigned;
    const envelopes = sealEnvelopes(this.self, contents, (data) => this.trust.sign(data));
    this.unsigned = [];
    envelopes.forEach((envelope, i) => this.pending.push({ envelope, origin: null, dropRows: contents[i].dropRows }));
  }

  /**
   * Signing failed: nothing is committed, and the writes waiting on this commit are refused, as when
   * storage fails; their updates stay to be signed with the next commit.
   */
  private signingFailed(error: Error): void {
    this.internalErrorCount++;
    this.options.observer?.internalError?.(error, "sign");
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }

  private refuse(reason: Refusal, from: PeerSession, writer: string, detail: string): void {
    this.refusalCounts.set(reason, (this.refusalCounts.get(reason) ?? 0) + 1);
    this.options.observer?.refused?.(reason, from.remote, writer, detail);
  }

  private applyQueued(): void {
    if (this.queued.length === 0) return;
    const writes = this.queued;
    this.queued = [];
    try {
      const versions = this.store.writeBatch(writes);
      writes.forEach((write, i) => this.waiters.push({ resolve: () => write.resolve(versions[i]), reject: write.reject }));
    } catch (error) {
      for (const write of writes) write.reject(error as Error);
      throw error;
    }
  }

  private committed(batch: PendingEnvelope[], waiters: Waiter[], started: bigint): void {
    for (const item of batch) if (item.origin === null && item.envelope.kind === KIND_SNAPSHOT) this.compacting.delete(item.envelope.shard);
    for (const session of this.sessions) {
      // Relay what came from another peer unless this peer hears that one directly (full mesh).
      const wanted = batch.filter((item) => item.origin === null || (item.origin !== session && !session.hears(item.origin.remote)));
      this.guard("forward", () => session.sendEnvelopes(wanted.map((item) => item.envelope.bytes)));
    }
    for (const waiter of waiters) waiter.resolve();
    this.options.observer?.flushed(batch.length, waiters.length, Number(process.hrtime.bigint() - started) / 1e9);
    this.guard("compact", () => this.compactOne());
  }

  /** Not durable, so not acknowledged; the envelopes stay queued for the next commit. */
  private failed(batch: PendingEnvelope[], credentials: Array<{ writer: string; credential: Uint8Array }>, waiters: Waiter[], error: Error): void {
    this.pending = batch.concat(this.pending);
    this.newCredentials = credentials.concat(this.newCredentials);
    for (const waiter of waiters) waiter.reject(error);
    this.options.observer?.storageFailed(error);
  }

  /** Replication lag of arriving slots, from their HLC wall time; only for other writers' documents. */
  private observeArrivals(writer: WriterDocs): void {
    const observer = this.options.observer;
    if (!observer || writer === this.store.own || this.observed.has(writer)) return;
    this.observed.add(writer);
    for (const map of writer.maps) {
      map.observe((event, transaction) => {
        if (!(transaction.origin instanceof PeerSession)) return;
        const now = this.now();
        for (const key of event.keysChanged) {
          const slot = map.get(key) as { w?: unknown } | undefined;
          if (slot && typeof slot.w === "number" && Number.isFinite(slot.w)) observer.replicated(now - slot.w);
        }
      });
    }
  }

  private requestFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.scheduleFlush(() => this.flush());
  }

  /** A commit for peers' envelopes: within PEER_COMMIT_DELAY_MS, sooner if a write asks for one. */
  private requestPeerFlush(): void {
    if (this.flushScheduled || this.peerFlushScheduled) return;
    this.peerFlushScheduled = true;
    this.schedulePeerFlush(() => {
      this.peerFlushScheduled = false;
      this.flush();
    });
  }

  /** Runs `work`; an error is counted and logged, never thrown into the event loop. */
  private guard(where: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.internalErrorCount++;
      this.options.observer?.internalError?.(error as Error, where);
    }
  }

  /**
   * Applies each writer document's stored snapshot, then the envelopes appended since, in one
   * transaction (not merged first: Y.mergeUpdates decodes and re-encodes them all, a third of the
   * restore in the profile). Stored envelopes were checked when they arrived; the disk is this node's own.
   */
  private restore(): void {
    for (const stored of this.options.log.loadAll()) {
      const writer = this.store.writer(stored.writer);
      if (!writer) continue;
      const doc = writer.docs[stored.shard];
      try {
        doc.transact(() => {
          if (stored.snapshot) Y.applyUpdate(doc, openEnvelope(stored.snapshot).update, RESTORE);
          for (const bytes of stored.updates) Y.applyUpdate(doc, openEnvelope(bytes).update, RESTORE);
        }, RESTORE);
      } catch (error) {
        this.options.observer?.internalError?.(error as Error, `restore ${stored.writer}/${stored.shard}`);
      }
    }
  }

  /**
   * At most one of this node's documents per commit, so compaction never stalls a burst of writes
   * for long. The snapshot is signed like any update and sent to the peers, which then drop the
   * envelopes it covers from their own logs.
   */
  private compactOne(): void {
    const self = this.store.own.name;
    for (let shard = 0; shard < SHARD_COUNT; shard++) {
      if (this.compacting.has(shard)) continue;
      const growth = this.options.log.growth(self, shard);
      if (growth.rows >= this.compactAfterRows || (growth.rows > 1 && growth.bytes >= Math.max(this.compactAfterBytes, growth.snapshotBytes))) {
        const doc = this.store.own.docs[shard];
        this.unsigned.push({ kind: KIND_SNAPSHOT, shard, update: Y.encodeStateAsUpdate(doc), ends: Y.decodeStateVector(Y.encodeStateVector(doc)), dropRows: true });
        this.compacting.add(shard);
        this.options.observer?.compacted(shard);
        this.requestFlush();
        return;
      }
    }
  }
}

/** Whether an update with these clock ends holds structs a document with state vector `known` lacks (else it is a duplicate). */
function addsOperations(ends: ReadonlyMap<number, number>, known: ReadonlyMap<number, number>): boolean {
  if (ends.size === 0) return true; // deletions only: checked like anything new
  for (const [client, end] of ends) if (end > (known.get(client) ?? 0)) return true;
  return false;
}

function sameEnds(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): boolean {
  return a.size === b.size && [...a].every(([client, end]) => b.get(client) === end);
}

/** The clock ends of what a document holds beyond `before`: the clients whose clock rose. */
function endsSince(after: ReadonlyMap<number, number>, before: ReadonlyMap<number, number>): Map<number, number> {
  return new Map([...after].filter(([client, clock]) => clock > (before.get(client) ?? 0)));
}

/** Whether a document holds nothing beyond a snapshot (`ends`: its state vector), which then replaces its rows. */
function coveredBy(doc: Y.Doc, ends: ReadonlyMap<number, number>): boolean {
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) if (clock > (ends.get(client) ?? 0)) return false;
  return doc.store.pendingStructs === null && doc.store.pendingDs === null;
}
