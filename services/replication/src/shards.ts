import { createHash } from "node:crypto";
import * as Y from "yjs";
import { Hlc, maxHlc, tick, ZERO_HLC } from "./hlc";
import { NodeId, nodeName, parseNodeName } from "./identity";
import { shardOf, SHARD_COUNT, splitStorageKey, storageKey } from "./keys";
import { Candidate, formatVersion, pickWinner, Slot, slotHlc, Version, versionOf } from "./lww";

/** Top-level Y.Map names are "w/<node>": each node writes only into its own map. */
const WRITER_PREFIX = "w/";

export interface StoredDoc {
  readonly version: Version;
  readonly value: unknown;
  readonly deleted: boolean;
}

export interface ListPage {
  readonly items: Array<{ id: string; version: string; document: unknown }>;
  readonly nextCursor?: string;
}

interface Writer {
  readonly id: NodeId;
  readonly map: Y.Map<Slot>;
}

/**
 * The replicated key space: SHARD_COUNT Y.Docs. Each node sets keys only in its own top-level map,
 * so Yjs never resolves a conflict between nodes by client id; a read gathers every writer's slot
 * for the key and the latest HLC wins (lww.ts). Yjs still merges, deduplicates and orders updates.
 */
export class ShardedStore {
  readonly docs: readonly Y.Doc[];
  private clock: Hlc = ZERO_HLC;
  private readonly writerCache: Array<{ shareSize: number; writers: Writer[] }>;
  private digestCache: string | undefined;

  constructor(
    readonly self: NodeId,
    private readonly now: () => number,
    newClientId?: () => number,
  ) {
    this.docs = Array.from({ length: SHARD_COUNT }, () => {
      const doc = new Y.Doc();
      if (newClientId) doc.clientID = newClientId();
      // afterTransaction, not "update": an update listener makes Yjs encode every transaction.
      doc.on("afterTransaction", () => (this.digestCache = undefined));
      return doc;
    });
    this.writerCache = this.docs.map(() => ({ shareSize: -1, writers: [] }));
  }

  /** Sets (or, with value undefined, deletes) a document; returns the version written. */
  write(collection: string, id: string, value: unknown | undefined): Version {
    const key = storageKey(collection, id);
    const shard = shardOf(key);
    // HLC receive rule, applied to what this node has seen of this key: the new write beats it.
    const seen = this.candidates(shard, key).reduce((acc, c) => maxHlc(acc, slotHlc(c.slot)), this.clock);
    this.clock = tick(seen, this.now());
    const slot: Slot = value === undefined ? { w: this.clock.wall, c: this.clock.counter, d: 1 } : { w: this.clock.wall, c: this.clock.counter, v: value };
    this.docs[shard].getMap<Slot>(WRITER_PREFIX + nodeName(this.self)).set(key, slot);
    return { hlc: this.clock, writer: this.self };
  }

  /**
   * Applies several writes with one Yjs transaction per shard: one update to encode, persist and
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
      this.docs[shard].transact(() => {
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
    const ids = this.idsOf(collection, prefix, cursor);
    const items: ListPage["items"] = [];
    for (const id of ids) {
      const doc = this.read(collection, id);
      if (doc && !doc.deleted) items.push({ id, version: formatVersion(doc.version), document: doc.value });
      if (items.length === limit) break;
    }
    const last = items.at(-1);
    const more = last !== undefined && ids[ids.length - 1] !== last.id;
    return more ? { items, nextCursor: last.id } : { items };
  }

  /** SHA-256 over every key's winning version and value (tombstones included), in key order. */
  digest(): string {
    if (this.digestCache === undefined) {
      const hash = createHash("sha256");
      for (const key of this.allKeys()) {
        const doc = this.resolve(shardOf(key), key);
        if (doc) hash.update(`${key}\n${formatVersion(doc.version)}\n${JSON.stringify(doc.value ?? null)}\n`);
      }
      this.digestCache = hash.digest("hex");
    }
    return this.digestCache;
  }

  /** Number of distinct keys (live and deleted). */
  keyCount(): number {
    return this.keySet().size;
  }

  private resolve(shard: number, key: string): StoredDoc | undefined {
    const winner = pickWinner(this.candidates(shard, key));
    if (!winner) return undefined;
    return { version: versionOf(winner), value: winner.slot.v, deleted: winner.slot.d === 1 };
  }

  private candidates(shard: number, key: string): Candidate[] {
    const found: Candidate[] = [];
    for (const writer of this.writers(shard)) {
      const slot = writer.map.get(key);
      if (slot) found.push({ writer: writer.id, slot });
    }
    return found;
  }

  /** Writer maps of a shard; remote ones appear in doc.share when their first update arrives. */
  private writers(shard: number): Writer[] {
    const doc = this.docs[shard];
    const cache = this.writerCache[shard];
    if (cache.shareSize !== doc.share.size) {
      cache.writers = [];
      for (const name of doc.share.keys()) {
        const id = name.startsWith(WRITER_PREFIX) ? parseNodeName(name.slice(WRITER_PREFIX.length)) : undefined;
        if (id) cache.writers.push({ id, map: doc.getMap<Slot>(name) });
      }
      cache.shareSize = doc.share.size;
    }
    return cache.writers;
  }

  private idsOf(collection: string, prefix: string, cursor: string | undefined): string[] {
    const start = storageKey(collection, prefix);
    const ids = new Set<string>();
    for (let shard = 0; shard < SHARD_COUNT; shard++) {
      for (const writer of this.writers(shard)) {
        for (const key of writer.map.keys()) {
          if (!key.startsWith(start)) continue;
          const { id } = splitStorageKey(key);
          if (cursor === undefined || id > cursor) ids.add(id);
        }
      }
    }
    return [...ids].sort();
  }

  private allKeys(): string[] {
    return [...this.keySet()].sort();
  }

  private keySet(): Set<string> {
    const keys = new Set<string>();
    for (let shard = 0; shard < SHARD_COUNT; shard++) {
      for (const writer of this.writers(shard)) for (const key of writer.map.keys()) keys.add(key);
    }
    return keys;
  }
}
