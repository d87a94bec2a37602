import { createHash } from "node:crypto";
import BTree from "sorted-btree";
import * as Y from "yjs";
import { Hlc, maxHlc, tick, ZERO_HLC } from "./hlc";
import { NodeId, nodeName, parseNodeName } from "./identity";
import { shardOf, SHARD_COUNT, splitStorageKey, storageKey } from "./keys";
import { Candidate, formatVersion, pickWinner, Slot, slotHlc, Version, versionOf } from "./lww";
import { checkSlot } from "./slotShape";
import { SLOTS_MAP } from "./updateGuard";

export interface StoredDoc {
  readonly version: Version;
  readonly value: unknown;
  readonly deleted: boolean;
}

export interface ListPage {
  readonly items: Array<{ id: string; version: string; document: unknown }>;
  readonly nextCursor?: string;
}

/** One writer's documents: one Y.Doc per shard holding one Y.Map of slots. */
export interface WriterDocs {
  readonly name: string;
  readonly id: NodeId;
  readonly docs: readonly Y.Doc[];
  readonly maps: ReadonlyArray<Y.Map<unknown>>;
}

/** Told about a slot that failed its shape check at read time (ignored, never thrown on). */
export type BadSlotReporter = (writer: string, key: string, detail: string) => void;

/**
 * The replicated key space. Each writer (node) has its own Y.Doc per shard, and only updates
 * signed by that writer ever reach it (replica.ts); this node writes only into its own. A read
 * gathers every writer's slot for the key and the latest HLC wins (lww.ts), so Yjs never has to
 * arbitrate between writers, and no writer's update can touch another writer's items.
 */
export class ShardedStore {
  readonly writers = new Map<string, WriterDocs>();
  readonly own: WriterDocs;
  private clock: Hlc = ZERO_HLC;
  private readonly shardDigests: Array<string | undefined> = new Array<string | undefined>(SHARD_COUNT).fill(undefined);
  private digestCache: string | undefined;
  /**
   * Every storage key any writer holds a slot for, sorted (a superset of the live documents): a collection's ids
   * are one contiguous range of it. A B+ tree, not a sorted array: inserting into an array moves its tail, which
   * made indexing quadratic (half the CPU at 100,000 ids). It holds the Yjs map's own key strings, no copies.
   */
  private readonly index = new BTree<string, undefined>();
  private readonly checked = new WeakMap<object, boolean>();

  constructor(
    readonly self: NodeId,
    private readonly now: () => number,
    private readonly reportBadSlot: BadSlotReporter = () => undefined,
  ) {
    this.own = this.writer(nodeName(self)) as WriterDocs;
  }

  /** The writer's documents, made on first use; undefined for a name that is not a node name. */
  writer(name: string): WriterDocs | undefined {
    const existing = this.writers.get(name);
    if (existing) return existing;
    const id = parseNodeName(name);
    if (!id) return undefined;
    const docs = Array.from({ length: SHARD_COUNT }, (_, shard) => {
      const doc = new Y.Doc({ gc: true });
      // afterTransaction, not "update": an update listener makes Yjs encode every transaction.
      doc.on("afterTransaction", (transaction: Y.Transaction) => this.changed(shard, transaction));
      return doc;
    });
    const writer: WriterDocs = { name, id, docs, maps: docs.map((doc) => doc.getMap<unknown>(SLOTS_MAP)) };
    this.writers.set(name, writer);
    return writer;
  }

  /**
   * After restore: this node keeps writing under the Yjs client id it used before in each of its
   * documents (its log holds everything it ever sent under it, since nothing leaves before it is
   * committed), so an honest writer's documents hold one client id each, across restarts.
   */
  adoptClientIds(fresh: () => number): void {
    for (const doc of this.own.docs) {
      let best: [number, number] | undefined;
      for (const entry of Y.decodeStateVector(Y.encodeStateVector(doc))) if (!best || entry[1] > best[1]) best = entry;
      doc.clientID = best ? best[0] : fresh();
    }
  }

  /** Sets (or, with value undefined, deletes) a document in this node's own map; returns the version. */
  write(collection: string, id: string, value: unknown | undefined): Version {
    const key = storageKey(collection, id);
    const shard = shardOf(key);
    // HLC receive rule, applied to what this node has seen of this key: the new write beats it.
    // Every slot seen passed the clock bound when it arrived, so a peer cannot push this clock far.
    const seen = this.candidates(shard, key).reduce((acc, c) => maxHlc(acc, slotHlc(c.slot)), this.clock);
    this.clock = tick(seen, this.now());
    const slot: Slot = value === undefined ? { w: this.clock.wall, c: this.clock.counter, d: 1 } : { w: this.clock.wall, c: this.clock.counter, v: value };
    this.own.maps[shard].set(key, slot);
    return { hlc: this.clock, writer: this.self };
  }

  /**
   * Applies several writes with one Yjs transaction per shard: one update to sign, persist and
   * send per shard instead of one per write. Versions come back in the order of `writes`.
   */
  writeBatch(writes: ReadonlyArray<{ collection: string; id: string; value: unknown | undefined }>): Version[] {
    const versions: Version[] = new Array<Version>(writes.length);
    const byShard = new Map<number, number[]>();
    writes.forEach((write, i) => {
      const shard = shardOf(storageKey(write.collection, write.id));
      const list = byShard.get(shard);
      if (list) list.push(i);
      else byShard.set(shard, [i]);
    });
    for (const [shard, indexes] of byShard) {
      this.own.docs[shard].transact(() => {
        for (const i of indexes) versions[i] = this.write(writes[i].collection, writes[i].id, writes[i].value);
      });
    }
    return versions;
  }

  read(collection: string, id: string): StoredDoc | undefined {
    const key = storageKey(collection, id);
    return this.resolve(shardOf(key), key);
  }

  /** Live documents of a collection whose id starts with prefix, in id order, after cursor. */
  list(collection: string, prefix: string, cursor: string | undefined, limit: number): ListPage {
    const within = storageKey(collection, prefix);
    const from = storageKey(collection, cursor !== undefined && cursor >= prefix ? cursor : prefix);
    const after = cursor === undefined ? undefined : storageKey(collection, cursor);
    const items: ListPage["items"] = [];
    let last: string | undefined;
    for (const key of this.index.keys(from)) {
      if (!key.startsWith(within) || items.length >= limit) break;
      if (key === after) continue;
      const doc = this.resolve(shardOf(key), key);
      if (doc && !doc.deleted) {
        items.push({ id: splitStorageKey(key).id, version: formatVersion(doc.version), document: doc.value });
        last = key;
      }
    }
    // As before the index: a next page is announced whenever an id (live or deleted) follows the last item.
    const next = last === undefined ? undefined : this.index.nextHigherKey(last);
    return last !== undefined && next?.startsWith(within) ? { items, nextCursor: splitStorageKey(last).id } : { items };
  }

  /** SHA-256 over every key's winning version and value (tombstones included), in key order within each shard. */
  digest(): string {
    if (this.digestCache === undefined) {
      const hash = createHash("sha256");
      for (let shard = 0; shard < SHARD_COUNT; shard++) hash.update(this.shardDigest(shard));
      this.digestCache = hash.digest("hex");
    }
    return this.digestCache;
  }

  /** The shard's digest if it is at hand: the shard has not changed since it was last computed. */
  cachedShardDigest(shard: number): string | undefined {
    return this.shardDigests[shard];
  }

  /** The digest of one shard's resolved documents (what anti-entropy compares). */
  shardDigest(shard: number): string {
    let digest = this.shardDigests[shard];
    if (digest === undefined) {
      const keys = new Set<string>();
      for (const writer of this.writers.values()) for (const key of writer.maps[shard].keys()) keys.add(key);
      const hash = createHash("sha256");
      for (const key of [...keys].sort()) {
        const doc = this.resolve(shard, key);
        if (doc) hash.update(`${key}\n${formatVersion(doc.version)}\n${JSON.stringify(doc.value ?? null)}\n`);
      }
      digest = hash.digest("hex");
      this.shardDigests[shard] = digest;
    }
    return digest;
  }

  /** Number of distinct keys (live and deleted). */
  keyCount(): number {
    return this.index.size;
  }

  private resolve(shard: number, key: string): StoredDoc | undefined {
    const winner = pickWinner(this.candidates(shard, key));
    if (!winner) return undefined;
    return { version: versionOf(winner), value: winner.slot.v, deleted: winner.slot.d === 1 };
  }

  private candidates(shard: number, key: string): Candidate[] {
    const found: Candidate[] = [];
    for (const writer of this.writers.values()) {
      const raw = writer.maps[shard].get(key);
      if (raw === undefined) continue;
      if (this.valid(raw, writer.name, key)) found.push({ writer: writer.id, slot: raw as Slot });
    }
    return found;
  }

  /** Shape check of a slot read from the CRDT, remembered per slot object (Yjs hands out the same one). */
  private valid(raw: unknown, writer: string, key: string): boolean {
    if (typeof raw === "object" && raw !== null) {
      const known = this.checked.get(raw);
      if (known !== undefined) return known;
    }
    const check = checkSlot(raw);
    if (typeof raw === "object" && raw !== null) this.checked.set(raw, check.ok);
    if (!check.ok) this.reportBadSlot(writer, key, check.detail);
    return check.ok;
  }

  private changed(shard: number, transaction: Y.Transaction): void {
    this.shardDigests[shard] = undefined;
    this.digestCache = undefined;
    for (const keys of transaction.changed.values()) {
      for (const key of keys) if (key !== null && key.includes("/") && shardOf(key) === shard) this.index.set(key, undefined, false);
    }
  }
}
