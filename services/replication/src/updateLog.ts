import Database from "better-sqlite3";

/** One writer's document of one shard as stored: its latest snapshot envelope and the update envelopes since. */
export interface StoredWriterShard {
  readonly writer: string;
  readonly shard: number;
  readonly snapshot?: Uint8Array;
  readonly updates: Uint8Array[];
}

/**
 * One stored envelope (the signed bytes, verbatim). A snapshot row replaces the stored snapshot
 * of its (writer, shard); with `dropRows` it also drops the update rows stored before it, which it
 * covers (the caller knows: for its own documents always, for another writer's only when that
 * document holds nothing beyond the snapshot).
 */
export interface LogRow {
  readonly writer: string;
  readonly shard: number;
  readonly envelope: Uint8Array;
  readonly snapshot?: boolean;
  readonly dropRows?: boolean;
}

export interface LogBatch {
  readonly rows: readonly LogRow[];
  /** Writer certificates learned since the last batch, kept so relays work after a restart. */
  readonly credentials?: ReadonlyArray<{ writer: string; credential: Uint8Array }>;
}

export interface ShardGrowth {
  readonly rows: number;
  readonly bytes: number;
  readonly snapshotBytes: number;
}

/**
 * Where a replica keeps its signed envelopes. `append` may complete later (the worker log commits
 * on another thread); calls complete in the order they were made.
 */
export interface DurableLog {
  claimOwner(node: string): void;
  loadAll(): StoredWriterShard[];
  credentials(): Uint8Array[];
  /** The stored envelopes of one writer's shard, snapshot first: what catch-up sends a peer. */
  envelopes(writer: string, shard: number): Uint8Array[];
  growth(writer: string, shard: number): ShardGrowth;
  append(batch: LogBatch): void | Promise<void>;
  close(): void | Promise<void>;
}

/** Most WAL bytes kept after a checkpoint (SQLite truncates the file back to this). */
const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;

/**
 * The durable form of a node's state: per (writer, shard), one snapshot envelope plus the update
 * envelopes appended since. SQLite in WAL mode with synchronous=FULL: a committed transaction
 * survives kill -9 and power loss; the caller batches many writes into one transaction (group
 * commit). Space freed by compaction goes back to the file system (auto_vacuum=INCREMENTAL, set
 * when the file is created; an older file without it is converted once, with VACUUM, on open),
 * and the WAL is checkpointed and kept under JOURNAL_SIZE_LIMIT.
 */
export class UpdateLog implements DurableLog {
  private readonly insert: Database.Statement<[string, number, Uint8Array]>;
  private readonly upsertSnapshot: Database.Statement<[string, number, Uint8Array]>;
  private readonly dropBefore: Database.Statement<[string, number]>;
  private readonly insertCredential: Database.Statement<[string, Uint8Array]>;
  readonly counters = new GrowthCounters();

  constructor(private readonly db: Database.Database) {
    if ((db.pragma("auto_vacuum", { simple: true }) as number) !== 2) {
      db.pragma("auto_vacuum = INCREMENTAL");
      // Takes effect at once on an empty file; an existing one needs a VACUUM to switch.
      if ((db.pragma("auto_vacuum", { simple: true }) as number) !== 2 && !db.memory) db.exec("VACUUM");
    }
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS envelopes (seq INTEGER PRIMARY KEY AUTOINCREMENT, writer TEXT NOT NULL, shard INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS envelopes_by_doc ON envelopes (writer, shard, seq);
      CREATE TABLE IF NOT EXISTS writer_snapshots (writer TEXT NOT NULL, shard INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (writer, shard));
      CREATE TABLE IF NOT EXISTS writer_credentials (writer TEXT PRIMARY KEY, credential BLOB NOT NULL);
    `);
    this.insert = db.prepare("INSERT INTO envelopes (writer, shard, data) VALUES (?, ?, ?)");
    this.upsertSnapshot = db.prepare("INSERT INTO writer_snapshots (writer, shard, data) VALUES (?, ?, ?) ON CONFLICT (writer, shard) DO UPDATE SET data = excluded.data");
    this.dropBefore = db.prepare("DELETE FROM envelopes WHERE writer = ? AND shard = ?");
    this.insertCredential = db.prepare("INSERT INTO writer_credentials (writer, credential) VALUES (?, ?) ON CONFLICT (writer) DO UPDATE SET credential = excluded.credential");
    const rows = db.prepare("SELECT writer, shard, COUNT(*) AS n, SUM(LENGTH(data)) AS bytes FROM envelopes GROUP BY writer, shard").all() as Array<{ writer: string; shard: number; n: number; bytes: number }>;
    for (const row of rows) Object.assign(this.counters.of(row.writer, row.shard), { rows: row.n, bytes: row.bytes });
    const snaps = db.prepare("SELECT writer, shard, LENGTH(data) AS bytes FROM writer_snapshots").all() as Array<{ writer: string; shard: number; bytes: number }>;
    for (const row of snaps) this.counters.of(row.writer, row.shard).snapshotBytes = row.bytes;
  }

  static open(path: string): UpdateLog {
    return new UpdateLog(new Database(path));
  }

  /**
   * Binds the data folder to one node identity, so a volume mounted into the wrong pod is refused
   * instead of silently merged under another name.
   */
  claimOwner(node: string): void {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'node'").get() as { value: string } | undefined;
    if (row && row.value !== node) {
      throw new Error(`data folder belongs to node ${row.value}, not ${node}: point --data at ${node}'s own folder`);
    }
    if (!row) this.db.prepare("INSERT INTO meta (key, value) VALUES ('node', ?)").run(node);
  }

  /** Appends a batch in one transaction: one fsync for the whole group commit. */
  append(batch: LogBatch): void {
    this.db.transaction(() => {
      for (const { writer, credential } of batch.credentials ?? []) this.insertCredential.run(writer, credential);
      for (const row of batch.rows) {
        if (row.snapshot) {
          this.upsertSnapshot.run(row.writer, row.shard, row.envelope);
          if (row.dropRows) this.dropBefore.run(row.writer, row.shard);
        } else {
          this.insert.run(row.writer, row.shard, row.envelope);
        }
      }
    })();
    if (this.counters.count(batch)) this.reclaim();
  }

  loadAll(): StoredWriterShard[] {
    const byDoc = new Map<string, { writer: string; shard: number; snapshot?: Uint8Array; updates: Uint8Array[] }>();
    const entry = (writer: string, shard: number) => {
      const key = `${writer}\n${shard}`;
      let found = byDoc.get(key);
      if (!found) byDoc.set(key, (found = { writer, shard, updates: [] }));
      return found;
    };
    for (const row of this.db.prepare("SELECT writer, shard, data FROM writer_snapshots").all() as Array<{ writer: string; shard: number; data: Buffer }>) entry(row.writer, row.shard).snapshot = row.data;
    for (const row of this.db.prepare("SELECT writer, shard, data FROM envelopes ORDER BY seq").iterate() as IterableIterator<{ writer: string; shard: number; data: Buffer }>) entry(row.writer, row.shard).updates.push(row.data);
    return [...byDoc.values()];
  }

  credentials(): Uint8Array[] {
    return (this.db.prepare("SELECT credential FROM writer_credentials").all() as Array<{ credential: Buffer }>).map((row) => row.credential);
  }

  envelopes(writer: string, shard: number): Uint8Array[] {
    const snapshot = this.db.prepare("SELECT data FROM writer_snapshots WHERE writer = ? AND shard = ?").get(writer, shard) as { data: Buffer } | undefined;
    const rows = this.db.prepare("SELECT data FROM envelopes WHERE writer = ? AND shard = ? ORDER BY seq").all(writer, shard) as Array<{ data: Buffer }>;
    return [...(snapshot ? [snapshot.data] : []), ...rows.map((row) => row.data)];
  }

  growth(writer: string, shard: number): ShardGrowth {
    return { ...this.counters.of(writer, shard) };
  }

  close(): void {
    this.db.close();
  }

  /** Gives the pages freed by a compaction back and keeps the WAL small. */
  private reclaim(): void {
    this.db.pragma("incremental_vacuum");
    this.db.pragma("wal_checkpoint(PASSIVE)");
  }
}

/** Rows and bytes appended per (writer, shard) since its last compaction: what triggers the next one. */
export class GrowthCounters {
  private readonly byDoc = new Map<string, { rows: number; bytes: number; snapshotBytes: number }>();

  of(writer: string, shard: number): { rows: number; bytes: number; snapshotBytes: number } {
    const key = `${writer}\n${shard}`;
    let growth = this.byDoc.get(key);
    if (!growth) this.byDoc.set(key, (growth = { rows: 0, bytes: 0, snapshotBytes: 0 }));
    return growth;
  }

  /** Counts a batch; true if it compacted something. */
  count(batch: LogBatch): boolean {
    let compacted = false;
    for (const row of batch.rows) {
      const growth = this.of(row.writer, row.shard);
      if (row.snapshot) {
        growth.snapshotBytes = row.envelope.byteLength;
        if (row.dropRows) {
          growth.rows = 0;
          growth.bytes = 0;
          compacted = true;
        }
      } else {
        growth.rows++;
        growth.bytes += row.envelope.byteLength;
      }
    }
    return compacted;
  }
}
