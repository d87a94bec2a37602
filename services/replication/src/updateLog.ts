import Database from "better-sqlite3";
import { SHARD_COUNT } from "./keys";

export interface StoredShard {
  readonly snapshot?: Uint8Array;
  readonly updates: Uint8Array[];
}

export interface LogRow {
  readonly shard: number;
  readonly update: Uint8Array;
}

/**
 * Where a replica keeps its CRDT updates. `append` and `compact` may complete later (the worker
 * log commits on another thread); calls complete in the order they were made.
 */
export interface DurableLog {
  claimOwner(node: string): void;
  load(shard: number): StoredShard;
  pendingRows(shard: number): number;
  append(rows: readonly LogRow[]): void | Promise<void>;
  compact(shard: number, snapshot: Uint8Array): void | Promise<void>;
  close(): void | Promise<void>;
}

/**
 * The durable form of a node's state: per shard, one compacted Yjs snapshot plus the Yjs updates
 * appended since. SQLite in WAL mode with synchronous=FULL: a committed transaction survives
 * kill -9 and power loss; the caller batches many writes into one transaction (group commit).
 */
export class UpdateLog implements DurableLog {
  private readonly insert: Database.Statement<[number, Uint8Array]>;
  private readonly rowsSinceSnapshot: number[] = new Array<number>(SHARD_COUNT).fill(0);

  constructor(private readonly db: Database.Database) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS updates (seq INTEGER PRIMARY KEY AUTOINCREMENT, shard INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS updates_by_shard ON updates (shard, seq);
      CREATE TABLE IF NOT EXISTS snapshots (shard INTEGER PRIMARY KEY, data BLOB NOT NULL);
    `);
    this.insert = db.prepare("INSERT INTO updates (shard, data) VALUES (?, ?)");
    for (const row of db.prepare("SELECT shard, COUNT(*) AS n FROM updates GROUP BY shard").all() as Array<{ shard: number; n: number }>) {
      this.rowsSinceSnapshot[row.shard] = row.n;
    }
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

  /** Appends rows in one transaction: one fsync for the whole batch. */
  append(rows: readonly LogRow[]): void {
    this.db.transaction(() => {
      for (const row of rows) {
        this.insert.run(row.shard, row.update);
        this.rowsSinceSnapshot[row.shard]++;
      }
    })();
  }

  /** The stored CRDT state of a shard: its snapshot and the updates appended since, in order. */
  load(shard: number): StoredShard {
    const snapshot = this.db.prepare("SELECT data FROM snapshots WHERE shard = ?").get(shard) as { data: Buffer } | undefined;
    const rows = this.db.prepare("SELECT data FROM updates WHERE shard = ? ORDER BY seq").all(shard) as Array<{ data: Buffer }>;
    return { snapshot: snapshot?.data, updates: rows.map((row) => row.data) };
  }

  pendingRows(shard: number): number {
    return this.rowsSinceSnapshot[shard];
  }

  /** Replaces a shard's snapshot and drops the updates it now contains, atomically. */
  compact(shard: number, snapshot: Uint8Array): void {
    this.db.transaction(() => {
      this.db.prepare("INSERT INTO snapshots (shard, data) VALUES (?, ?) ON CONFLICT (shard) DO UPDATE SET data = excluded.data").run(shard, snapshot);
      this.db.prepare("DELETE FROM updates WHERE shard = ?").run(shard);
    })();
    this.rowsSinceSnapshot[shard] = 0;
  }

  close(): void {
    this.db.close();
  }
}
