import Database from "better-sqlite3";
import { NodeId, nodeName } from "../identity";
import { compareVersions, Version } from "../lww";
import { PeerSession } from "../peerSession";
import { Replica } from "../replica";
import { UpdateLog } from "../updateLog";
import { DirectoryTrust, KeyDirectory } from "../writerTrust";
import { DeferredLog } from "./deferredLog";

/**
 * One step of a schedule; indexes are taken modulo whatever they index. "report" sends a node's
 * periodic state report (state vectors and connected peers) to its peers.
 */
export type SimOp =
  | { op: "write"; node: number; key: number; value: number | null }
  | { op: "flush"; node: number }
  | { op: "commit"; node: number }
  | { op: "deliver"; index: number }
  | { op: "duplicate"; index: number }
  | { op: "drop"; index: number }
  | { op: "reconnect"; a: number; b: number }
  | { op: "cut"; a: number; b: number }
  | { op: "restart"; node: number }
  | { op: "report"; node: number }
  | { op: "advance"; ms: number };

interface InFlight {
  readonly to: PeerSession;
  readonly bytes: Uint8Array;
}

interface SimNode {
  readonly id: NodeId;
  readonly db: Database.Database;
  readonly skewMs: number;
  replica: Replica;
  log: DeferredLog;
}

export interface AckedWrite {
  readonly key: string;
  readonly version: Version;
}

const COLLECTION = "sim";

/**
 * A deterministic network of in-process replicas. Storage is a real SQLite database per node that
 * outlives "crashes" (the disk); a crash throws away the Replica with everything not yet committed.
 * Messages sit in one queue that the schedule delivers out of order, duplicates or drops.
 */
export class Simulator {
  private readonly nodes: SimNode[];
  private queue: InFlight[] = [];
  private readonly live = new Set<PeerSession>();
  private readonly links = new Map<string, [PeerSession, PeerSession]>();
  private time = 1_700_000_000_000;
  private nextClientId = 1;
  readonly acked: AckedWrite[] = [];
  /** Every node's signing key (what the federation CA issued), shared by the simulated nodes' trust. */
  readonly keys: KeyDirectory;
  /** Refusals reported by the replicas' observers, by reason. */
  readonly refusals = new Map<string, number>();
  /** Errors the replicas caught instead of crashing; a correct run has none. */
  readonly internalErrors: string[] = [];

  constructor(ids: readonly NodeId[], skews: readonly number[]) {
    this.keys = new KeyDirectory(ids.map(nodeName));
    this.nodes = ids.map((id, i) => {
      const db = new Database(":memory:");
      const node = { id, db, skewMs: skews[i] ?? 0 } as SimNode;
      node.replica = this.open(node);
      return node;
    });
    for (let a = 0; a < ids.length; a++) for (let b = a + 1; b < ids.length; b++) this.connect(a, b);
  }

  async apply(step: SimOp): Promise<void> {
    this.step(step);
    await settle();
  }

  private step(step: SimOp): void {
    switch (step.op) {
      case "write":
        return this.write(step.node, step.key, step.value);
      case "flush":
        return this.node(step.node).replica.flush();
      case "commit":
        return this.node(step.node).log.complete();
      case "deliver":
        return this.deliver(step.index);
      case "duplicate":
        if (this.queue.length > 0) this.queue.push(this.queue[step.index % this.queue.length]);
        return;
      case "drop":
        if (this.queue.length > 0) this.queue.splice(step.index % this.queue.length, 1);
        return;
      case "reconnect":
        return this.connect(step.a % this.nodes.length, step.b % this.nodes.length);
      case "cut":
        return this.cut(step.a % this.nodes.length, step.b % this.nodes.length);
      case "restart":
        return this.restart(step.node % this.nodes.length);
      case "report":
        return this.node(step.node).replica.reportState();
      case "advance":
        this.time += step.ms;
        return;
    }
  }

  /** Reconnects every pair and runs the network until nothing is in flight or pending. */
  async heal(maxRounds = 100): Promise<void> {
    for (let a = 0; a < this.nodes.length; a++) for (let b = a + 1; b < this.nodes.length; b++) this.connect(a, b);
    for (let round = 0; round < maxRounds; round++) {
      await this.commitEverywhere();
      if (this.queue.length === 0 && this.nodes.every((n) => n.replica.pendingCount() === 0 && n.log.outstanding() === 0)) return;
      while (this.queue.length > 0) this.deliver(0);
    }
    throw new Error(`network still busy after ${maxRounds} rounds`);
  }

  digests(): string[] {
    return this.nodes.map((node) => node.replica.store.digest());
  }

  /** Acknowledged writes that no replica reflects (neither it nor a later write of its key). */
  lostWrites(): Array<AckedWrite & { node: string }> {
    const lost: Array<AckedWrite & { node: string }> = [];
    for (const node of this.nodes) {
      for (const write of this.acked) {
        const doc = node.replica.store.read(COLLECTION, write.key);
        if (!doc || compareVersions(doc.version, write.version) < 0) lost.push({ ...write, node: nodeName(node.id) });
      }
    }
    return lost;
  }

  close(): void {
    for (const node of this.nodes) node.db.close();
  }

  private node(index: number): SimNode {
    return this.nodes[index % this.nodes.length];
  }

  /** A fresh Replica over the node's database; commits still outstanding in the old log are lost. */
  private open(node: SimNode): Replica {
    node.log = new DeferredLog(new UpdateLog(node.db));
    return new Replica({
      self: node.id,
      log: node.log,
      now: () => this.time + node.skewMs,
      newClientId: () => this.nextClientId++,
      scheduleFlush: () => undefined,
      compactAfterRows: 4,
      digestEveryReports: 2,
      trust: new DirectoryTrust(nodeName(node.id), this.keys),
      observer: {
        flushed: () => undefined,
        compacted: () => undefined,
        storageFailed: () => undefined,
        replicated: () => undefined,
        refused: (reason) => this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1),
        internalError: (error, where) => this.internalErrors.push(`${nodeName(node.id)} ${where}: ${error.message}`),
      },
    });
  }

  private write(index: number, key: number, value: number | null): void {
    const id = `k${key}`;
    const node = this.node(index);
    node.replica.write(COLLECTION, id, value === null ? undefined : { value }).then(
      (version) => this.acked.push({ key: id, version }),
      () => undefined,
    );
  }

  private deliver(index: number): void {
    if (this.queue.length === 0) return;
    const [message] = this.queue.splice(index % this.queue.length, 1);
    if (this.live.has(message.to)) message.to.receive(message.bytes);
  }

  private connect(a: number, b: number): void {
    if (a === b) return;
    const key = `${Math.min(a, b)}-${Math.max(a, b)}`;
    this.disconnect(key);
    const [left, right] = [this.nodes[a], this.nodes[b]];
    const peers: { ab?: PeerSession; ba?: PeerSession } = {};
    // Sessions start (send step 1) inside connect, so the far end is looked up when sending.
    const ab = left.replica.connect(nodeName(right.id), { send: (bytes) => peers.ba && this.queue.push({ to: peers.ba, bytes }) });
    const ba = right.replica.connect(nodeName(left.id), { send: (bytes) => peers.ab && this.queue.push({ to: peers.ab, bytes }) });
    peers.ab = ab;
    peers.ba = ba;
    this.live.add(ab).add(ba);
    this.links.set(key, [ab, ba]);
    // Both step 1 messages were sent before the far end existed: send them again now that it does.
    ab.start();
    ba.start();
  }

  /** Takes a link down for good (until a reconnect or the final heal), as a partition would. */
  private cut(a: number, b: number): void {
    const key = `${Math.min(a, b)}-${Math.max(a, b)}`;
    const link = this.links.get(key);
    this.disconnect(key);
    for (const node of this.nodes) for (const session of link ?? []) if (node.replica.sessions.has(session)) node.replica.disconnect(session);
  }

  /** Runs the network without reconnecting anything, until nothing is in flight. */
  async drain(maxRounds = 100): Promise<void> {
    for (let round = 0; round < maxRounds && (this.queue.length > 0 || this.nodes.some((n) => n.replica.pendingCount() > 0 || n.log.outstanding() > 0)); round++) {
      await this.commitEverywhere();
      while (this.queue.length > 0) this.deliver(0);
    }
  }

  /** Starts a group commit on every node and lets every outstanding commit complete. */
  private async commitEverywhere(): Promise<void> {
    for (const node of this.nodes) node.replica.flush();
    await settle();
    for (const node of this.nodes) node.log.completeAll();
    await settle();
  }

  /**
   * Hands a frame to node `to` as if its peer `from` had sent it (a compromised peer speaking the
   * protocol); false if the two are not connected.
   */
  inject(from: number, to: number, frame: Uint8Array): boolean {
    const target = this.nodes[to % this.nodes.length];
    const name = nodeName(this.nodes[from % this.nodes.length].id);
    const session = [...target.replica.sessions].find((s) => s.remote === name && this.live.has(s));
    session?.receive(frame);
    return session !== undefined;
  }

  replica(index: number): Replica {
    return this.node(index).replica;
  }

  /** Whether a node currently shows the document of `key` with this value. */
  has(node: number, key: number, value: number): boolean {
    const doc = this.nodes[node].replica.store.read(COLLECTION, `k${key}`);
    return doc !== undefined && !doc.deleted && (doc.value as { value: number }).value === value;
  }

  private disconnect(key: string): void {
    const link = this.links.get(key);
    if (!link) return;
    for (const session of link) this.live.delete(session);
    this.links.delete(key);
  }

  private restart(index: number): void {
    const node = this.nodes[index];
    for (const [key, link] of [...this.links]) {
      if (link.some((session) => node.replica.sessions.has(session))) this.disconnect(key);
    }
    for (const other of this.nodes) for (const session of [...other.replica.sessions]) if (!this.live.has(session)) other.replica.disconnect(session);
    node.replica = this.open(node);
  }
}

/** Lets promise callbacks (acknowledgements) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
