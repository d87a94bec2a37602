import * as Y from "yjs";
import { DataFrame, decodeDataFrame, DocState, encodeDataFrame, FRAME_CREDENTIALS, FRAME_ENVELOPES, FRAME_RESYNC, FRAME_STATE, openEnvelope } from "./dataFrames";

/** Whatever carries frames to one authenticated peer: a WebSocket, or the simulator's queue. */
export interface PeerLink {
  send(frame: Uint8Array): void;
}

export type StateVector = Map<number, number>;

/** What a session needs from its replica (replica.ts implements it). */
export interface SessionHost {
  /** Every writer document this node holds: (writer, shard, doc). */
  docs(): Iterable<{ writer: string; shard: number; doc: Y.Doc }>;
  credentials(): Uint8Array[];
  /** A received envelope: verified, checked, applied (or refused and counted). */
  receiveEnvelope(bytes: Uint8Array, from: PeerSession): void;
  learnCredential(credential: Uint8Array, from: PeerSession): void;
  /** The stored envelopes of a writer's shard (snapshot first), to send a peer that lacks them. */
  storedEnvelopes(writer: string, shard: number): Uint8Array[];
  /** This node's own writer name. */
  readonly self: string;
  /** Per shard asked, one envelope of everything of this node's own document beyond `theirs`, all under one fresh signature. */
  ownUpdatesSince(wanted: ReadonlyArray<{ shard: number; theirs: StateVector }>): Uint8Array[];
  shardDigest(shard: number): string;
  /** Anti-entropy verdicts: a digest mismatch under equal state vectors, or a match. */
  digestCompared(peer: string, shard: number, matched: boolean): "resync" | "report" | "none";
}

const EMPTY: StateVector = new Map();

/**
 * The conversation with one peer over one link. Both sides open with the writer certificates they
 * hold and a state report (state vector of every writer's document per shard); each answers the
 * first report with every stored envelope the other lacks, then committed envelopes stream as
 * they are made or received. Envelopes are forwarded verbatim, never re-encoded, so every
 * signature survives relaying and catch-up. Every second each side reports its state again; every
 * few reports it adds per-shard digests (anti-entropy): equal state vectors with different digests
 * make it ask for a resync, and a mismatch that survives the resync is reported.
 */
export class PeerSession {
  private peerState: Map<string, StateVector> | undefined;
  private peerConnected: ReadonlySet<string> | undefined;
  /** Between the peer's first report and its next: the other writers' documents are still to be sent it. */
  private relayPending = false;
  lastStateAt: number | undefined;

  constructor(
    readonly remote: string,
    private readonly host: SessionHost,
    private readonly link: PeerLink,
    private readonly now: () => number,
  ) {}

  start(): void {
    this.send({ kind: FRAME_CREDENTIALS, credentials: this.host.credentials() });
    this.sendState([], []);
  }

  /** Handles one frame; throws on a malformed one (the transport then drops the connection). */
  receive(bytes: Uint8Array): void {
    const frame = decodeDataFrame(bytes);
    switch (frame.kind) {
      case FRAME_CREDENTIALS:
        for (const credential of frame.credentials) this.host.learnCredential(credential, this);
        return;
      case FRAME_ENVELOPES:
        for (const envelope of frame.envelopes) this.host.receiveEnvelope(envelope, this);
        return;
      case FRAME_RESYNC:
        return this.catchUp(new Set(frame.shards), true);
      case FRAME_STATE:
        return this.receiveState(frame.connected, frame.docs, frame.digests);
    }
  }

  sendEnvelopes(envelopes: readonly Uint8Array[]): void {
    if (envelopes.length > 0) this.send({ kind: FRAME_ENVELOPES, envelopes: [...envelopes] });
  }

  sendCredentials(credentials: readonly Uint8Array[]): void {
    if (credentials.length > 0) this.send({ kind: FRAME_CREDENTIALS, credentials: [...credentials] });
  }

  /** `digests`: the shard digests to report (anti-entropy), none on most reports. */
  sendState(connected: readonly string[], digests: ReadonlyArray<{ shard: number; digest: string }>): void {
    const docs: DocState[] = [];
    for (const { writer, shard, doc } of this.host.docs()) docs.push({ writer, shard, stateVector: Y.encodeStateVector(doc) });
    this.send({ kind: FRAME_STATE, connected: [...connected], docs, digests: [...digests] });
  }

  /** Whether the peer receives `node`'s updates directly, so relaying them to it is redundant. */
  hears(node: string): boolean {
    return this.peerConnected?.has(node) === true;
  }

  /**
   * Operations this node holds that the peer had not seen at its last state report (summed over
   * writer documents and Yjs clients); undefined before the first report.
   */
  behind(): number | undefined {
    if (!this.peerState) return undefined;
    let missing = 0;
    for (const { writer, shard, doc } of this.host.docs()) missing += missingOps(doc, this.theirs(writer, shard));
    return missing;
  }

  private receiveState(connected: readonly string[], docs: readonly DocState[], digests: ReadonlyArray<{ shard: number; digest: string }>): void {
    const first = this.peerState === undefined;
    const before = this.peerState ?? new Map<string, StateVector>();
    const state = new Map<string, StateVector>();
    for (const entry of docs) state.set(docKey(entry.writer, entry.shard), Y.decodeStateVector(entry.stateVector));
    this.peerState = state;
    this.lastStateAt = this.now();
    const previous = this.peerConnected;
    this.peerConnected = new Set(connected);
    // First report: send what the peer lacks of this node's own documents. The next report says
    // whom the peer hears (the first, sent on connecting, cannot): then the other writers' documents
    // it lacks, except of the writers it hears, which catch it up themselves (relaying their rows
    // too made a restarted node take every missed write twice, the relayed rows often first).
    // Later: updates from a node the peer was connected to were not relayed to it; if that link is
    // gone, send what the peer lacks now.
    const linkLost = previous !== undefined && [...previous].some((name) => !this.peerConnected?.has(name));
    const relay = this.relayPending;
    this.relayPending = first;
    if (first) this.catchUp(undefined, false, (key) => splitDocKey(key)[0] === this.host.self);
    else if (linkLost) this.catchUp(undefined, false);
    else if (relay) this.catchUp(undefined, false, (key) => !this.hears(splitDocKey(key)[0]));
    // With the digests (every few reports), a repair: documents the peer lacks operations of and whose state did
    // not move since its previous report, so not merely in flight. Re-reading and re-sending every document the
    // peer was behind in, as before, stalled a busy node for 100-300 ms each time (the stored rows of every
    // writer's shard read and decoded).
    else if (digests.length > 0) this.catchUp(undefined, false, (key) => sameVector(before.get(key) ?? EMPTY, state.get(key) ?? EMPTY));
    if (digests.length > 0) this.compareDigests(digests);
  }

  private compareDigests(digests: ReadonlyArray<{ shard: number; digest: string }>): void {
    const resync: number[] = [];
    for (const { shard, digest } of digests) {
      if (!this.sameStateVectors(shard)) continue;
      const verdict = this.host.digestCompared(this.remote, shard, this.host.shardDigest(shard) === digest);
      if (verdict === "resync") resync.push(shard);
    }
    if (resync.length > 0) this.send({ kind: FRAME_RESYNC, shards: resync });
  }

  /** Whether the peer's last report shows exactly this node's state vectors for every writer of the shard. */
  private sameStateVectors(shard: number): boolean {
    const ours = new Map<string, StateVector>();
    for (const entry of this.host.docs()) if (entry.shard === shard) ours.set(entry.writer, Y.decodeStateVector(Y.encodeStateVector(entry.doc)));
    for (const [key, theirs] of this.peerState ?? []) {
      const [writer, at] = splitDocKey(key);
      if (at === shard && theirs.size > 0 && !ours.has(writer)) return false;
    }
    for (const [writer, sv] of ours) if (!sameVector(sv, this.theirs(writer, shard))) return false;
    return true;
  }

  /**
   * Sends the peer every stored envelope holding operations it lacks (all of them for `shards`
   * with `everything`, the resync), for the documents `only` admits (by writer-and-shard key).
   * Envelopes are the writer's own bytes, read from the log; of this node's own documents, one
   * fresh envelope per shard instead, under one signature (one update per shard to apply for the
   * peer, where the stored rows of 50,000 writes are over 3,000).
   */
  private catchUp(shards: ReadonlySet<number> | undefined, everything: boolean, only: (key: string) => boolean = () => true): void {
    const out: Uint8Array[] = [];
    const own: Array<{ shard: number; theirs: StateVector }> = [];
    for (const { writer, shard, doc } of this.host.docs()) {
      if (shards && !shards.has(shard)) continue;
      if (!only(docKey(writer, shard))) continue;
      const theirs = this.theirs(writer, shard);
      if (!everything && missingOps(doc, theirs) === 0) continue;
      if (!everything && writer === this.host.self) {
        own.push({ shard, theirs });
        continue;
      }
      for (const bytes of this.host.storedEnvelopes(writer, shard)) {
        if (everything || lacks(bytes, theirs)) out.push(bytes);
      }
    }
    if (own.length > 0) out.push(...this.host.ownUpdatesSince(own));
    // One frame per envelope batch of bounded size, so a large catch-up does not make one huge frame.
    let batch: Uint8Array[] = [];
    let size = 0;
    for (const bytes of out) {
      batch.push(bytes);
      size += bytes.byteLength;
      if (size >= 1 << 20) {
        this.sendEnvelopes(batch);
        batch = [];
        size = 0;
      }
    }
    this.sendEnvelopes(batch);
  }

  private theirs(writer: string, shard: number): StateVector {
    return this.peerState?.get(docKey(writer, shard)) ?? EMPTY;
  }

  private send(frame: DataFrame): void {
    this.link.send(encodeDataFrame(frame));
  }
}

function docKey(writer: string, shard: number): string {
  return `${writer}\n${shard}`;
}

function splitDocKey(key: string): [string, number] {
  const at = key.lastIndexOf("\n");
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

function sameVector(a: StateVector, b: StateVector): boolean {
  const nonZero = (v: StateVector) => [...v].filter(([, clock]) => clock > 0);
  const x = nonZero(a);
  const y = nonZero(b);
  return x.length === y.length && x.every(([client, clock]) => b.get(client) === clock);
}

/** Whether a stored envelope holds operations a replica with state vector `theirs` has not seen. */
function lacks(envelopeBytes: Uint8Array, theirs: StateVector): boolean {
  try {
    const envelope = openEnvelope(envelopeBytes);
    // The ends the writer signed spare decoding the update (version 1 envelopes have none).
    const ends = envelope.ends ?? Y.parseUpdateMeta(envelope.update).to;
    for (const [client, to] of ends) if (to > (theirs.get(client) ?? 0)) return true;
    return false;
  } catch {
    return false;
  }
}

/** Operations in `doc` that a replica with state vector `theirs` has not seen. */
function missingOps(doc: Y.Doc, theirs: StateVector): number {
  let missing = 0;
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) missing += Math.max(0, clock - (theirs.get(client) ?? 0));
  return missing;
}
