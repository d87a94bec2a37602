import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import * as Y from "yjs";
import { InclusionProof } from "./commitTree";
import { decodeDataFrame, encodeEnvelope, Envelope, FRAME_ENVELOPES, KIND_SNAPSHOT, KIND_UPDATE, openEnvelope, sealEnvelope, sealEnvelopes } from "./dataFrames";
import { shardOf, storageKey } from "./keys";
import { PeerSession } from "./peerSession";
import { Replica } from "./replica";
import * as updateGuard from "./updateGuard";
import { SLOTS_MAP } from "./updateGuard";
import { UpdateLog } from "./updateLog";
import { WorkerLog } from "./workerLog";
import { DirectoryTrust, KeyDirectory } from "./writerTrust";

const keys = new KeyDirectory(["alpha-0", "beta-0"]);

const alpha = { region: "alpha", replica: 0 } as const;

function open(db: Database.Database, compactAfterRows = 3): Replica {
  return new Replica({ self: alpha, log: new UpdateLog(db), compactAfterRows, trust: new DirectoryTrust("alpha-0", keys) });
}

describe("durability and restart", () => {
  test("acknowledged writes are restored from the stored CRDT updates after a crash", async () => {
    const db = new Database(":memory:");
    const first = open(db, 1000);
    for (let i = 0; i < 20; i++) await first.write("c", `d${i}`, { i });
    await first.write("c", "d3", undefined);
    const digest = first.store.digest();
    // "crash": the Replica is abandoned without close(); only what was committed is in the database.
    const second = open(db, 1000);
    expect(second.store.digest()).toBe(digest);
    expect(second.store.read("c", "d3")?.deleted).toBe(true);
    expect(second.store.read("c", "d7")?.value).toEqual({ i: 7 });
  });

  test("compaction folds a shard's log into one snapshot; restart applies it plus the updates since", async () => {
    const db = new Database(":memory:");
    const replica = open(db, 3);
    for (let i = 0; i < 40; i++) await replica.write("c", `same-shard-${i % 2}`, { i });
    const rows = () => (db.prepare("SELECT COUNT(*) AS n FROM envelopes").get() as { n: number }).n;
    const snapshots = () => (db.prepare("SELECT COUNT(*) AS n FROM writer_snapshots").get() as { n: number }).n;
    expect(snapshots()).toBeGreaterThan(0);
    expect(rows()).toBeLessThan(40);
    const reopened = open(db, 3);
    expect(reopened.store.digest()).toBe(replica.store.digest());
    expect(reopened.store.read("c", "same-shard-1")?.value).toEqual({ i: 39 });
  });

  test("with the commit worker, acknowledged writes are on disk when acknowledged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dsc-worker-log-"));
    const path = join(dir, "log.sqlite");
    try {
      const replica = new Replica({ self: alpha, log: new WorkerLog(path), compactAfterRows: 5 });
      await Promise.all(Array.from({ length: 300 }, (_, i) => replica.write("c", `d${i}`, { i })));
      // Read back through a separate connection while the worker's is still open, as after kill -9.
      const reopened = new Replica({ self: alpha, log: new UpdateLog(new Database(path)) });
      expect(reopened.store.keyCount()).toBe(300);
      expect(reopened.store.digest()).toBe(replica.store.digest());
      await replica.close();
      // Once the worker is gone, a commit fails at once instead of waiting forever.
      const log = new WorkerLog(path);
      await log.close();
      await expect(log.append({ rows: [{ writer: "alpha-0", shard: 0, envelope: new Uint8Array([0, 0]) }] })).rejects.toThrow(/commit worker exited/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a data folder is refused by a node with another identity", () => {
    const db = new Database(":memory:");
    open(db);
    expect(() => new Replica({ self: { region: "beta", replica: 0 }, log: new UpdateLog(db) })).toThrow(/belongs to node alpha-0, not beta-0/);
  });

  test("a commit that cannot be signed rejects its writes; their updates go with the next commit", async () => {
    const db = new Database(":memory:");
    const replica = open(db, 1000);
    jest.spyOn(replica.trust, "sign").mockImplementationOnce(() => {
      throw new Error("key unavailable");
    });
    await expect(replica.write("c", "first", { n: 1 })).rejects.toThrow(/key unavailable/);
    expect(replica.integrity().internalErrors).toBe(1);
    await replica.write("c", "second", { n: 2 });
    // Both reached the log, under one signature: a restart from it holds both.
    const reopened = open(db, 1000);
    expect(reopened.store.read("c", "first")?.value).toEqual({ n: 1 });
    expect(reopened.store.read("c", "second")?.value).toEqual({ n: 2 });
  });

  test("a failed commit rejects the write instead of acknowledging it", async () => {
    const db = new Database(":memory:");
    const log = new UpdateLog(db);
    const replica = new Replica({ self: alpha, log });
    log.close();
    await expect(replica.write("c", "d", { x: 1 })).rejects.toThrow(/not open/);
  });
});

describe("peer sessions", () => {
  test("two replicas linked directly converge, and updates are not echoed back to their sender", async () => {
    const a = open(new Database(":memory:"));
    const lags: number[] = [];
    const observer = { flushed: () => undefined, compacted: () => undefined, storageFailed: () => undefined, replicated: (ms: number) => lags.push(ms) };
    const b = new Replica({ self: { region: "beta", replica: 0 }, log: new UpdateLog(new Database(":memory:")), observer, trust: new DirectoryTrust("beta-0", keys) });
    const sent = { toA: 0, toB: 0 };
    const sa = a.connect("beta-0", { send: (bytes) => (sent.toB++, setImmediate(() => sb.receive(bytes))) });
    const sb = b.connect("alpha-0", { send: (bytes) => (sent.toA++, setImmediate(() => sa.receive(bytes))) });
    await a.write("c", "x", { from: "a" });
    await b.write("c", "y", { from: "b" });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(b.store.read("c", "x")?.value).toEqual({ from: "a" });
    // b measured how long alpha's write took to arrive (same clock here, so a small non-negative lag).
    expect(lags.length).toBe(1);
    expect(lags[0]).toBeGreaterThanOrEqual(0);
    expect(lags[0]).toBeLessThan(5000);
    expect(a.store.digest()).toBe(b.store.digest());
    const before = { ...sent };
    await a.write("c", "z", {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    // One update a -> b; b persists it but forwards it to nobody (a is its origin).
    expect(sent.toB - before.toB).toBe(1);
    expect(sent.toA - before.toA).toBe(0);
    a.reportState();
    b.reportState();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sa.behind()).toBe(0);
    expect(Y.encodeStateVector(a.store.own.docs[0])).toEqual(Y.encodeStateVector(b.store.writer("alpha-0")?.docs[0] ?? new Y.Doc()));
  });

  test("a copy of an envelope accepted moments ago is dropped unverified; a forgery under its signature is still refused", async () => {
    const a = open(new Database(":memory:"), 1000);
    const envelopesOf = () => Array.from({ length: 16 }, (_, shard) => a.storedEnvelopes("alpha-0", shard)).flat();
    await a.write("c", "x", { v: 1 });
    const [first] = envelopesOf();
    await a.write("c", "x", { v: 2 });
    const second = envelopesOf().find((bytes) => Buffer.compare(bytes, first) !== 0) as Uint8Array;
    const refusals: string[] = [];
    const observer = { flushed: () => undefined, compacted: () => undefined, storageFailed: () => undefined, replicated: () => undefined, refused: (reason: string) => refusals.push(reason) };
    const b = new Replica({ self: { region: "beta", replica: 0 }, log: new UpdateLog(new Database(":memory:")), observer, trust: new DirectoryTrust("beta-0", keys) });
    const from = b.connect("alpha-0", { send: () => undefined });
    const verify = jest.spyOn(b.trust, "verify");
    b.receiveEnvelope(first, from);
    expect(b.store.read("c", "x")?.value).toEqual({ v: 1 });
    // A snapshot of exactly what b holds is checked (it lets b compact), but its copies are not.
    const shard = openEnvelope(first).shard;
    const docAtFirst = new Y.Doc();
    Y.applyUpdate(docAtFirst, openEnvelope(first).update);
    const snapshot = sealEnvelope(KIND_SNAPSHOT, "alpha-0", shard, Y.encodeStateAsUpdate(docAtFirst), (data) => a.trust.sign(data)).bytes;
    for (let copy = 0; copy < 3; copy++) b.receiveEnvelope(snapshot, from);
    expect(verify).toHaveBeenCalledTimes(2);
    const opened = openEnvelope(second);
    const forged = sealEnvelope(KIND_UPDATE, opened.writer, opened.shard, opened.update, () => openEnvelope(first).signature);
    b.receiveEnvelope(forged.bytes, from);
    expect(refusals).toEqual(["bad_signature"]);
    expect(b.store.read("c", "x")?.value).toEqual({ v: 1 });
    b.receiveEnvelope(second, from);
    expect(b.store.read("c", "x")?.value).toEqual({ v: 2 });
  });

  test("a node catches a peer up on its own documents with one envelope per shard under one signature, not one per stored commit", async () => {
    const a = open(new Database(":memory:"), 1000);
    for (let i = 0; i < 40; i++) await a.write("c", `offline-${i}`, { i }); // 40 commits while b is away
    const shards = new Set(Array.from({ length: 16 }, (_, shard) => shard).filter((shard) => a.storedEnvelopes("alpha-0", shard).length > 0));
    const b = new Replica({ self: { region: "beta", replica: 0 }, log: new UpdateLog(new Database(":memory:")), trust: new DirectoryTrust("beta-0", keys) });
    const verify = jest.spyOn(b.trust, "verify");
    const sa = a.connect("beta-0", { send: (bytes) => setImmediate(() => sb.receive(bytes)) });
    const sb = b.connect("alpha-0", { send: (bytes) => setImmediate(() => sa.receive(bytes)) });
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (let i = 0; i < 40; i++) expect(b.store.read("c", `offline-${i}`)?.value).toEqual({ i });
    expect(shards.size).toBeGreaterThan(1);
    expect(verify).toHaveBeenCalledTimes(1);
    expect(b.store.digest()).toBe(a.store.digest());
  });

  test("a commit over many shards costs its receiver one signature check; a genuine proof and signature grafted onto another update are refused", async () => {
    const a = open(new Database(":memory:"), 1000);
    const sent: Uint8Array[] = [];
    a.connect("beta-0", { send: (bytes) => sent.push(bytes) });
    const writes = Array.from({ length: 64 }, (_, i) => a.write("c", `many-${i}`, { i }));
    await Promise.all(writes);
    const envelopes = sent.map(decodeDataFrame).flatMap((frame) => (frame.kind === FRAME_ENVELOPES ? frame.envelopes : []));
    const shards = new Set(envelopes.map((bytes) => openEnvelope(bytes).shard));
    expect(shards.size).toBeGreaterThan(8);
    const refusals: string[] = [];
    const observer = { flushed: () => undefined, compacted: () => undefined, storageFailed: () => undefined, replicated: () => undefined, refused: (reason: string) => refusals.push(reason) };
    const b = new Replica({ self: { region: "beta", replica: 0 }, log: new UpdateLog(new Database(":memory:")), observer, trust: new DirectoryTrust("beta-0", keys) });
    const from = b.connect("alpha-0", { send: () => undefined });
    const verify = jest.spyOn(b.trust, "verify");
    for (const bytes of envelopes) b.receiveEnvelope(bytes, from);
    for (let i = 0; i < 64; i++) expect(b.store.read("c", `many-${i}`)?.value).toEqual({ i });
    expect(verify).toHaveBeenCalledTimes(1);
    // The commit's root is remembered as checked; an update of the attacker's choosing under one of its proofs leads elsewhere.
    const key = storageKey("c", "many-0");
    const genuine = envelopes.map(openEnvelope).find((envelope) => envelope.shard === shardOf(key)) as Envelope;
    const forgedUpdate = new Y.Doc();
    forgedUpdate.getMap(SLOTS_MAP).set(key, { w: Date.now(), c: 9, v: { forged: true } });
    const grafted = encodeEnvelope("alpha-0", { kind: KIND_UPDATE, shard: genuine.shard, update: Y.encodeStateAsUpdate(forgedUpdate) }, genuine.proof as InclusionProof, genuine.signature);
    b.receiveEnvelope(grafted, from);
    expect(refusals).toEqual(["bad_signature"]);
    expect(b.store.read("c", "many-0")?.value).toEqual({ i: 0 });
  });

  test("a duplicate is told by the clock ends its writer signed, without decoding it; ends that are not the update's are refused", async () => {
    const a = open(new Database(":memory:"), 1000);
    await a.write("c", "x", { v: 1 });
    const [first] = Array.from({ length: 16 }, (_, shard) => a.storedEnvelopes("alpha-0", shard)).flat();
    const refusals: string[] = [];
    const observer = { flushed: () => undefined, compacted: () => undefined, storageFailed: () => undefined, replicated: () => undefined, refused: (reason: string) => refusals.push(reason) };
    const b = new Replica({ self: { region: "beta", replica: 0 }, log: new UpdateLog(new Database(":memory:")), observer, trust: new DirectoryTrust("beta-0", keys) });
    const from = b.connect("alpha-0", { send: () => undefined });
    const decode = jest.spyOn(updateGuard, "decodeUpdate");
    b.receiveEnvelope(first, from);
    expect(decode).toHaveBeenCalledTimes(1);
    // The same content under another signature (not a byte-identical copy): a duplicate by its ends, never decoded.
    const opened = openEnvelope(first);
    const resealed = sealEnvelopes("alpha-0", [{ kind: KIND_UPDATE, shard: opened.shard, update: opened.update }], (data) => a.trust.sign(data))[0];
    b.receiveEnvelope(resealed.bytes, from);
    expect(decode).toHaveBeenCalledTimes(1);
    // alpha's next write, signed with ends that hide it from the duplicate test: decoded, and refused for the lie.
    await a.write("c", "x", { v: 2 });
    const second = openEnvelope(a.storedEnvelopes("alpha-0", opened.shard).at(-1) as Uint8Array);
    const lying = sealEnvelopes("alpha-0", [{ kind: KIND_UPDATE, shard: second.shard, update: second.update, ends: new Map() }], (data) => a.trust.sign(data))[0];
    b.receiveEnvelope(lying.bytes, from);
    expect(refusals).toEqual(["malformed"]);
    expect(b.store.read("c", "x")?.value).toEqual({ v: 1 });
    b.receiveEnvelope(second.bytes, from);
    expect(b.store.read("c", "x")?.value).toEqual({ v: 2 });
    decode.mockRestore();
  });

  test("a peer is caught up on a third writer's documents by that writer when it hears it, by a relay only when it does not", async () => {
    const directory = new KeyDirectory(["alpha-0", "alpha-1", "beta-0", "gamma-0"]);
    const node = (region: "alpha" | "beta" | "gamma", replica = 0) => new Replica({ self: { region, replica }, log: new UpdateLog(new Database(":memory:")), trust: new DirectoryTrust(`${region}-${replica}`, directory) });
    const [a, a1, b, c] = [node("alpha"), node("alpha", 1), node("beta"), node("gamma")];
    // The writers of the envelopes each node sent each other node.
    const sent = new Map<string, string[]>();
    const sessions = new Map<string, PeerSession>();
    const link = (from: Replica, to: Replica) => {
      const key = `${from.self}->${to.self}`;
      sessions.set(key, from.connect(to.self, {
        send: (bytes) => {
          const frame = decodeDataFrame(bytes);
          if (frame.kind === FRAME_ENVELOPES) sent.set(key, [...(sent.get(key) ?? []), ...frame.envelopes.map((e) => openEnvelope(e).writer)]);
          setImmediate(() => sessions.get(`${to.self}->${from.self}`)?.receive(bytes));
        },
      }));
    };
    const pair = (x: Replica, y: Replica) => {
      link(x, y);
      link(y, x);
    };
    // Waits by condition, never by a fixed time (a busy machine runs these turns late), bounded.
    const until = async (what: string, done: () => boolean) => {
      for (let waited = 0; !done(); waited += 5) {
        if (waited > 10_000) throw new Error(`waited 10 s for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    // Frames go over setImmediate: a few turns deliver everything already sent.
    const drain = async () => {
      for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve));
    };
    const reportsSeen = (at: string) => sessions.get(at)?.lastStateAt;
    pair(b, c);
    for (let i = 0; i < 20; i++) await b.write("c", `from-beta-${i}`, { i });
    // Held and committed: a commit of gamma's still to come would relay beta's envelopes to a new peer (the live stream).
    await until("gamma to hold and commit beta's writes", () => c.store.read("c", "from-beta-19") !== undefined && c.pendingCount() === 0);

    // alpha-0 hears gamma only: its first report gets it gamma's own documents, the next (saying whom it hears) beta's too.
    pair(a, c);
    await until("gamma to read alpha-0's first report", () => reportsSeen("gamma-0->alpha-0") !== undefined);
    await drain();
    expect(a.store.read("c", "from-beta-19")).toBeUndefined();
    a.reportState();
    await until("alpha-0 to get beta's writes from gamma", () => a.store.read("c", "from-beta-19") !== undefined);
    expect(sent.get("gamma-0->alpha-0")).toContain("beta-0");

    // alpha-1 hears beta as well as gamma: gamma leaves beta's documents to beta.
    pair(a1, c);
    pair(a1, b);
    await until("first reports read", () => reportsSeen("gamma-0->alpha-1") !== undefined && reportsSeen("beta-0->alpha-1") !== undefined);
    const firstReport = reportsSeen("gamma-0->alpha-1");
    await new Promise((resolve) => setTimeout(resolve, 2)); // a later report gets a later time
    a1.reportState();
    await until("gamma to read alpha-1's second report", () => reportsSeen("gamma-0->alpha-1") !== firstReport);
    await drain();
    await until("alpha-1 to get beta's writes", () => a1.store.read("c", "from-beta-19") !== undefined);
    expect(sent.get("beta-0->alpha-1")).toContain("beta-0");
    expect(sent.get("gamma-0->alpha-1") ?? []).not.toContain("beta-0");
  });

  test("peers' envelopes are readable on arrival and committed together, a few milliseconds later", async () => {
    const a = open(new Database(":memory:"), 1000);
    for (let i = 0; i < 3; i++) await a.write("c", `x${i}`, { i });
    const envelopes = Array.from({ length: 16 }, (_, shard) => a.storedEnvelopes("alpha-0", shard)).flat();
    let commits = 0;
    const observer = { flushed: () => void commits++, compacted: () => undefined, storageFailed: () => undefined, replicated: () => undefined };
    const b = new Replica({ self: { region: "beta", replica: 0 }, log: new UpdateLog(new Database(":memory:")), observer, trust: new DirectoryTrust("beta-0", keys) });
    const from = b.connect("alpha-0", { send: () => undefined });
    // The commit's timer under jest's clock: what a busy machine does between turns cannot fire it early.
    jest.useFakeTimers({ doNotFake: ["setImmediate", "nextTick", "queueMicrotask"] });
    try {
      for (const bytes of envelopes) {
        b.receiveEnvelope(bytes, from); // each in a turn of its own, as frames arrive
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (let i = 0; i < 3; i++) expect(b.store.read("c", `x${i}`)?.value).toEqual({ i });
      expect(commits).toBe(0);
      jest.advanceTimersByTime(4);
      expect(commits).toBe(0);
      jest.advanceTimersByTime(1);
      expect(commits).toBe(1);
      expect(b.pendingCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
