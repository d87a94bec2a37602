import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { decodeFrame, encodeFrame, FRAME_STATE, FRAME_SYNC, ShardMessage } from "./peerProtocol";

/** Whatever carries frames to one authenticated peer: a WebSocket, or the simulator's queue. */
export interface PeerLink {
  send(frame: Uint8Array): void;
}

export type StateVector = Map<number, number>;

/**
 * The y-protocols conversation with one peer over one link: both sides open with sync step 1 for
 * every shard, answer step 1 with step 2 (the diff), then stream updates. Applied remote updates
 * carry this session as their transaction origin, so the replica persists them and relays them to
 * every other peer but not back to this one.
 */
export class PeerSession {
  private peerState: StateVector[] | undefined;
  /** Nodes the peer said it is directly connected to; undefined until its first report. */
  private peerConnected: ReadonlySet<string> | undefined;
  lastStateAt: number | undefined;

  constructor(
    readonly remote: string,
    private readonly docs: readonly Y.Doc[],
    private readonly link: PeerLink,
    private readonly now: () => number,
  ) {}

  start(): void {
    const entries = this.docs.map((doc, shard) => this.message(shard, (encoder) => syncProtocol.writeSyncStep1(encoder, doc)));
    this.link.send(encodeFrame({ kind: FRAME_SYNC, entries }));
  }

  /** Handles one frame; throws on a malformed one (the transport then drops the connection). */
  receive(bytes: Uint8Array): void {
    const frame = decodeFrame(bytes);
    if (frame.kind === FRAME_STATE) {
      this.peerState = frame.entries.map((entry) => Y.decodeStateVector(entry.payload));
      this.lastStateAt = this.now();
      const previous = this.peerConnected;
      this.peerConnected = new Set(frame.connected);
      // Updates from a node the peer was connected to were not relayed to it; if that link is gone,
      // send the peer everything it lacks according to the state vectors it just reported.
      if (previous && [...previous].some((name) => !this.peerConnected?.has(name))) this.repair();
      return;
    }
    const replies: ShardMessage[] = [];
    for (const entry of frame.entries) {
      const reply = encoding.createEncoder();
      syncProtocol.readSyncMessage(decoding.createDecoder(entry.payload), reply, this.docs[entry.shard], this);
      if (encoding.length(reply) > 0) replies.push({ shard: entry.shard, payload: encoding.toUint8Array(reply) });
    }
    if (replies.length > 0) this.link.send(encodeFrame({ kind: FRAME_SYNC, entries: replies }));
  }

  sendUpdates(updates: ReadonlyArray<{ shard: number; update: Uint8Array }>): void {
    const entries = updates.map(({ shard, update }) => this.message(shard, (encoder) => syncProtocol.writeUpdate(encoder, update)));
    this.link.send(encodeFrame({ kind: FRAME_SYNC, entries }));
  }

  sendState(connected: readonly string[]): void {
    const entries = this.docs.map((doc, shard) => ({ shard, payload: Y.encodeStateVector(doc) }));
    this.link.send(encodeFrame({ kind: FRAME_STATE, entries, connected }));
  }

  /** Whether the peer receives `node`'s updates directly, so relaying them to it is redundant. */
  hears(node: string): boolean {
    return this.peerConnected?.has(node) === true;
  }

  /**
   * Operations this node holds that the peer had not seen at its last state report (summed over
   * shards and Yjs clients); undefined before the first report.
   */
  behind(): number | undefined {
    if (!this.peerState) return undefined;
    return this.docs.reduce((sum, doc, shard) => sum + missingOps(doc, this.peerState?.[shard] ?? new Map<number, number>()), 0);
  }

  private repair(): void {
    const entries: ShardMessage[] = [];
    this.docs.forEach((doc, shard) => {
      const theirs = this.peerState?.[shard] ?? new Map<number, number>();
      if (!missingOps(doc, theirs)) return;
      const diff = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(theirs));
      entries.push(this.message(shard, (encoder) => syncProtocol.writeUpdate(encoder, diff)));
    });
    if (entries.length > 0) this.link.send(encodeFrame({ kind: FRAME_SYNC, entries }));
  }

  private message(shard: number, write: (encoder: encoding.Encoder) => void): ShardMessage {
    const encoder = encoding.createEncoder();
    write(encoder);
    return { shard, payload: encoding.toUint8Array(encoder) };
  }
}

/** Operations in `doc` that a replica with state vector `theirs` has not seen. */
function missingOps(doc: Y.Doc, theirs: StateVector): number {
  let missing = 0;
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) missing += Math.max(0, clock - (theirs.get(client) ?? 0));
  return missing;
}
